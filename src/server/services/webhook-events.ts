import type { Clock } from "../../core/clock.js";
import { crockfordEncode, newEventId } from "../../core/ids.js";
import type { KeyRecord, KeyStore, WebhookStore } from "../../store/ports.js";
import { keyView } from "../schemas.js";
import type { Actor } from "./actor.js";
import type { KeyService } from "./key-service.js";

export const WEBHOOK_EVENT_TYPES = [
  "key.created",
  "key.rotated",
  "key.revoked",
  "key.expiring",
  "key.unused",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A key that expires within this window is announced once (key.expiring). */
export const EXPIRING_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** A key unused for this long is announced once per quiet spell (key.unused). */
export const UNUSED_AFTER_MS = 30 * 24 * 3600 * 1000;

export const DELIVERY_ID_PATTERN = /^whd_[0-9A-HJKMNP-TV-Z]{26}$/;
export const newDeliveryId = (): string =>
  `whd_${crockfordEncode(crypto.getRandomValues(new Uint8Array(16)), 26)}`;

/** The JSON body every webhook receives. */
export interface WebhookEventBody {
  id: string;
  type: WebhookEventType;
  created_at: string;
  account_id: string;
  data: Record<string, unknown>;
}

export interface WebhookOutbox {
  /**
   * Queues one event for every enabled webhook of the account that wants it. With
   * `dedupeKey`, a webhook that already received that notice gets nothing. Returns how many
   * deliveries were queued.
   */
  emit(event: {
    type: WebhookEventType;
    accountId: string;
    data: Record<string, unknown>;
    dedupeKey?: string;
  }): Promise<number>;
  /** Looks for keys expiring within 7 days and keys unused for 30 days; queues each once. */
  scan(): Promise<number>;
}

export interface WebhookOutboxOptions {
  webhooks: WebhookStore;
  keys: KeyStore;
  clock: Clock;
  /** Called after deliveries were queued, so an in-process dispatcher can send them now. */
  onQueued?: () => void;
}

/**
 * Writes webhook deliveries to the database (an outbox): the API server, the CLI and any
 * other process writing keys queue them, and the server's dispatcher sends them.
 */
export function createWebhookOutbox(options: WebhookOutboxOptions): WebhookOutbox {
  const { webhooks, keys, clock } = options;

  async function emit(event: Parameters<WebhookOutbox["emit"]>[0]): Promise<number> {
    const targets = (await webhooks.listEnabled(event.accountId)).filter(
      (hook) => hook.events.length === 0 || hook.events.includes(event.type),
    );
    if (targets.length === 0) return 0;
    const now = new Date(clock.now());
    const body: WebhookEventBody = {
      id: newEventId(),
      type: event.type,
      created_at: now.toISOString(),
      account_id: event.accountId,
      data: event.data,
    };
    const payload = JSON.stringify(body);
    let queued = 0;
    for (const hook of targets) {
      const delivery = await webhooks.addDelivery({
        id: newDeliveryId(),
        webhookId: hook.id,
        accountId: event.accountId,
        eventId: body.id,
        eventType: event.type,
        payload,
        dedupeKey: event.dedupeKey ? `${hook.id}:${event.dedupeKey}` : null,
        createdAt: now,
      });
      if (delivery) queued++;
    }
    if (queued > 0) options.onQueued?.();
    return queued;
  }

  async function accountKeys(accountId: string): Promise<KeyRecord[]> {
    const all: KeyRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await keys.list(accountId, { limit: 100, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  async function scan(): Promise<number> {
    const now = clock.now();
    const accounts = [...new Set((await webhooks.listEnabled()).map((hook) => hook.accountId))];
    let queued = 0;
    for (const accountId of accounts) {
      const all = await accountKeys(accountId);
      // a rotated-away key expires at the end of its grace period; key.rotated announced that
      const replaced = new Set(all.map((key) => key.rotatedFrom).filter((id) => id !== null));
      for (const key of all) {
        if (key.revokedAt || key.disabled) continue;
        if (key.expiresAt && key.expiresAt.getTime() <= now) continue;
        const view = keyView(key, now);
        if (key.expiresAt && key.expiresAt.getTime() - now <= EXPIRING_WINDOW_MS && !replaced.has(key.id)) {
          queued += await emit({
            type: "key.expiring",
            accountId,
            data: { key: view, expires_at: key.expiresAt.toISOString() },
            dedupeKey: `key.expiring:${key.id}:${key.expiresAt.getTime()}`,
          });
        }
        const quietSince = key.lastUsedAt ?? key.createdAt;
        if (now - quietSince.getTime() >= UNUSED_AFTER_MS) {
          queued += await emit({
            type: "key.unused",
            accountId,
            data: {
              key: view,
              unused_since: quietSince.toISOString(),
              never_used: key.lastUsedAt === null,
            },
            dedupeKey: `key.unused:${key.id}:${quietSince.getTime()}`,
          });
        }
      }
    }
    return queued;
  }

  return { emit, scan };
}

/**
 * The key service, announcing created, rotated and revoked keys through the outbox after
 * each change commits. A failure to queue never undoes or fails the change; it is reported.
 */
export function withKeyEvents(
  keys: KeyService,
  outbox: WebhookOutbox,
  clock: Clock,
  onError: (error: unknown) => void,
): KeyService {
  async function announce(event: Parameters<WebhookOutbox["emit"]>[0]): Promise<void> {
    try {
      await outbox.emit(event);
    } catch (error) {
      onError(error);
    }
  }
  const by = (actor: Actor) => ({ actor: actor.id });
  return {
    ...keys,
    async createKey(accountId, input, actor) {
      const created = await keys.createKey(accountId, input, actor);
      await announce({
        type: "key.created",
        accountId,
        data: { key: keyView(created.key, clock.now()), ...by(actor) },
      });
      return created;
    },
    async rotateKey(accountId, keyId, input, actor) {
      const rotated = await keys.rotateKey(accountId, keyId, input, actor);
      const now = clock.now();
      await announce({
        type: "key.rotated",
        accountId,
        data: { key: keyView(rotated.key, now), previous: keyView(rotated.previous, now), ...by(actor) },
      });
      return rotated;
    },
    async revokeKey(accountId, keyId, actor) {
      const before = await keys.getKey(accountId, keyId);
      const revoked = await keys.revokeKey(accountId, keyId, actor);
      if (!before.revokedAt) {
        await announce({
          type: "key.revoked",
          accountId,
          data: { key: keyView(revoked, clock.now()), ...by(actor) },
        });
      }
      return revoked;
    },
  };
}
