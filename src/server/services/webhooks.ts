import type { Clock } from "../../core/clock.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../../core/errors.js";
import { crockfordEncode, newEventId } from "../../core/ids.js";
import type { Page, Store, WebhookDeliveryRecord, WebhookRecord, WebhookStore } from "../../store/ports.js";
import type { Logger } from "../env.js";
import type { Actor } from "./actor.js";
import { WEBHOOK_EVENT_TYPES, type WebhookOutbox } from "./webhook-events.js";
import { bodyDigest, type WebhookSigner } from "./webhook-signing.js";
import { checkWebhookUrl, type WebhookTargetPolicy } from "./webhook-url.js";

export const WEBHOOK_ID_PATTERN = /^whk_[0-9A-HJKMNP-TV-Z]{26}$/;
export const newWebhookId = (): string =>
  `whk_${crockfordEncode(crypto.getRandomValues(new Uint8Array(16)), 26)}`;

export const MAX_WEBHOOKS_PER_ACCOUNT = 10;
/** Seconds to wait after failed attempt n (1-based): 30 s, 2 min, 10 min, 1 h, 4 h, 12 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE = [30, 120, 600, 3600, 4 * 3600, 12 * 3600, 24 * 3600];
/** A taken delivery is left alone by other workers this long (well over the send timeout). */
const LEASE_MS = 60_000;
const SEND_TIMEOUT_MS = 10_000;
const BATCH = 20;

/** One HTTP POST. Resolves with the status for any response; rejects when nothing came back. */
export type WebhookTransport = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<{ status: number }>;

/** The portable transport: fetch, never following redirects (a redirect is not a delivery). */
export const fetchTransport: WebhookTransport = async ({ url, headers, body, timeoutMs }) => {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel();
  return { status: response.status };
};

export interface WebhookServiceOptions {
  store: Store & { webhooks: WebhookStore };
  outbox: WebhookOutbox;
  signer: WebhookSigner;
  clock: Clock;
  logger: Logger;
  /** The `iss` of every signature: the server's public origin. */
  issuer: string;
  policy: WebhookTargetPolicy;
  transport?: WebhookTransport;
  retrySchedule?: number[];
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const text = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
  return String(text).slice(0, 200);
}

/**
 * Webhooks: registration, the signing key's JWK Set, and delivery. Each delivery is a POST of
 * the event's JSON with `Signet-Signature: <JWS>`; failures are retried on `retrySchedule`,
 * then marked failed. Deliveries live in the database, so any instance may send them.
 */
export function createWebhookService(options: WebhookServiceOptions) {
  const { clock, logger, signer } = options;
  const hooks = options.store.webhooks;
  const store = options.store;
  const transport = options.transport ?? fetchTransport;
  const schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
  const maxAttempts = schedule.length + 1;

  async function requireWebhook(accountId: string, id: string): Promise<WebhookRecord> {
    if (!WEBHOOK_ID_PATTERN.test(id)) throw new NotFoundError("no such webhook");
    const hook = await hooks.get(id);
    if (!hook || hook.accountId !== accountId) throw new NotFoundError("no such webhook");
    return hook;
  }

  function audit(
    tx: Store,
    accountId: string,
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
  ) {
    return tx.audit.append({
      id: newEventId(),
      accountId,
      keyId: null,
      actor: actor.id,
      action,
      ip: actor.ip,
      details,
      createdAt: new Date(clock.now()),
    });
  }

  /** The URL as audit logs show it: no query string (receivers sometimes put tokens there). */
  const shownUrl = (url: string): string => {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  };

  async function attempt(delivery: WebhookDeliveryRecord): Promise<void> {
    const claimedAt = clock.now();
    const taken = await hooks.claimDelivery(
      delivery.id,
      delivery.attempts,
      new Date(claimedAt),
      new Date(claimedAt + LEASE_MS),
    );
    if (!taken) return; // another worker has it, or it changed
    const number = delivery.attempts + 1;
    const hook = await hooks.get(delivery.webhookId);
    let status: number | null = null;
    let error: string | null = null;
    if (!hook || hook.disabled) {
      error = "webhook disabled";
    } else {
      try {
        const url = checkWebhookUrl(hook.url, options.policy).href;
        const iat = Math.floor(clock.now() / 1000);
        const signature = await signer.sign({
          iss: options.issuer,
          aud: hook.url,
          sub: delivery.accountId,
          iat,
          exp: iat + 300,
          jti: `${delivery.id}.${number}`,
          event_id: delivery.eventId,
          event_type: delivery.eventType,
          delivery_id: delivery.id,
          body_sha256: await bodyDigest(delivery.payload),
        });
        const response = await transport({
          url,
          body: delivery.payload,
          timeoutMs: SEND_TIMEOUT_MS,
          headers: {
            "content-type": "application/json",
            "user-agent": "Signet-Webhooks/1",
            "signet-signature": signature,
            "signet-timestamp": String(iat),
            "signet-event": delivery.eventType,
            "signet-delivery": delivery.id,
            "signet-attempt": String(number),
          },
        });
        status = response.status;
        if (status < 200 || status > 299) error = `HTTP ${status}`;
      } catch (cause) {
        error = describeError(cause);
      }
    }
    const at = clock.now();
    if (error === null) {
      await hooks.recordAttempt(delivery.id, {
        status: "delivered",
        attempts: number,
        nextAttemptAt: null,
        lastError: null,
        responseStatus: status,
        deliveredAt: new Date(at),
      });
      return;
    }
    const final = number >= maxAttempts || !hook || hook.disabled;
    const wait = schedule[Math.min(number, schedule.length) - 1] ?? 0;
    await hooks.recordAttempt(delivery.id, {
      status: final ? "failed" : "pending",
      attempts: number,
      nextAttemptAt: final ? null : new Date(at + wait * 1000),
      lastError: error,
      responseStatus: status,
      deliveredAt: null,
    });
    logger.warn("webhook delivery failed", {
      delivery_id: delivery.id,
      webhook_id: delivery.webhookId,
      attempt: number,
      error,
      final,
    });
  }

  async function drain(): Promise<void> {
    // bounded: a delivery that fails moves into the future, one another worker holds is leased
    for (let round = 0; round < 50; round++) {
      const due = await hooks.dueDeliveries(new Date(clock.now()), BATCH);
      if (due.length === 0) return;
      await Promise.all(due.map((delivery) => attempt(delivery)));
    }
  }

  let running: Promise<void> | null = null;
  let again = false;

  /** Sends every delivery that is due now; a call during a run waits for it (and one more pass). */
  function runDue(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  let timers: Array<ReturnType<typeof setInterval> | ReturnType<typeof setTimeout>> = [];
  let started = false;
  const inFlight = new Set<Promise<unknown>>();

  const service = {
    events: WEBHOOK_EVENT_TYPES,

    async createWebhook(
      accountId: string,
      input: { url: string; events?: string[] | undefined },
      actor: Actor,
    ): Promise<WebhookRecord> {
      const url = checkWebhookUrl(input.url.trim(), options.policy).href;
      const events = [...new Set(input.events ?? [])].sort();
      for (const type of events) {
        if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) {
          throw new InvalidRequestError(`events: unknown event type ${JSON.stringify(type)}`, {
            field: "events",
          });
        }
      }
      await signer.current(); // the key exists before the first delivery needs it
      return store.transaction(async (tx) => {
        const txHooks = tx.webhooks ?? hooks;
        const existing = await txHooks.list(accountId, { limit: MAX_WEBHOOKS_PER_ACCOUNT + 1 });
        if (existing.items.length >= MAX_WEBHOOKS_PER_ACCOUNT) {
          throw new ConflictError(`an account may have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks`);
        }
        if (existing.items.some((hook) => hook.url === url)) {
          throw new ConflictError("this URL is already registered");
        }
        const created = await txHooks.create({
          id: newWebhookId(),
          accountId,
          url,
          events,
          disabled: false,
          createdBy: actor.id,
          createdAt: new Date(clock.now()),
        });
        await audit(tx, accountId, actor, "webhook.created", {
          webhook_id: created.id,
          url: shownUrl(url),
          events,
        });
        return created;
      });
    },

    async listWebhooks(accountId: string, page: { limit: number; cursor?: string | undefined }) {
      return hooks.list(accountId, page);
    },

    getWebhook: requireWebhook,

    async deleteWebhook(accountId: string, id: string, actor: Actor): Promise<void> {
      const hook = await requireWebhook(accountId, id);
      await store.transaction(async (tx) => {
        if (!(await (tx.webhooks ?? hooks).delete(id))) throw new NotFoundError("no such webhook");
        await audit(tx, accountId, actor, "webhook.deleted", { webhook_id: id, url: shownUrl(hook.url) });
      });
    },

    async listDeliveries(
      accountId: string,
      webhookId: string,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<Page<WebhookDeliveryRecord>> {
      await requireWebhook(accountId, webhookId);
      return hooks.listDeliveries(webhookId, page);
    },

    jwks: () => signer.jwks(),

    /** Queue an event (see WebhookOutbox.emit). */
    emit: options.outbox.emit,
    /** Queue key.expiring / key.unused notices that are due. */
    scan: options.outbox.scan,
    runDue,

    /** Delivers in the background: due deliveries every `pollMs`, the scan every `scanMs`. */
    start(intervals: { pollMs: number; scanMs: number }): void {
      if (started) return;
      started = true;
      const tick = (what: string, work: () => Promise<unknown>) => () => {
        if (!started) return;
        const job = work()
          .catch((error: unknown) => logger.error(`webhook ${what} failed`, { error: String(error) }))
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
      };
      const poll = setInterval(tick("delivery", runDue), intervals.pollMs);
      const scan = setInterval(
        tick("scan", () => options.outbox.scan().then(runDue)),
        intervals.scanMs,
      );
      // the first scan soon after start, then every scanMs
      const firstScan = setTimeout(
        tick("scan", () => options.outbox.scan().then(runDue)),
        Math.min(intervals.scanMs, 10_000),
      );
      timers = [poll, scan, firstScan];
      for (const timer of timers) (timer as { unref?: () => void }).unref?.();
    },

    /** Sends queued deliveries soon (called when this process queues some). */
    kick(): void {
      if (started)
        void runDue().catch((error: unknown) =>
          logger.error("webhook delivery failed", { error: String(error) }),
        );
    },

    /** Stops the timers and waits for a run in progress. */
    async stop(): Promise<void> {
      started = false;
      for (const timer of timers) clearTimeout(timer);
      timers = [];
      await Promise.all([...inFlight]);
      await running?.catch(() => {});
    },
  };
  return service;
}

export type WebhookService = ReturnType<typeof createWebhookService>;
