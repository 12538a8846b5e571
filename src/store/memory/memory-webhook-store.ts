import { decodeCursor, encodeCursor, isAfterCursor, newestFirst } from "../cursor.js";
import { UniqueViolation } from "../errors.js";
import type {
  Page,
  PageRequest,
  WebhookDeliveryRecord,
  WebhookRecord,
  WebhookSigningKeyRecord,
  WebhookStore,
} from "../ports.js";

const clone = <T>(value: T): T => structuredClone(value);

function page<T extends { createdAt: Date; id: string }>(all: T[], request: PageRequest): Page<T> {
  const cursor = request.cursor ? decodeCursor(request.cursor) : null;
  const sorted = all.filter((item) => !cursor || isAfterCursor(item, cursor)).sort(newestFirst);
  const items = sorted.slice(0, request.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(clone),
    nextCursor: sorted.length > request.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

const oldestFirst = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface State {
  webhooks: Map<string, WebhookRecord>;
  deliveries: Map<string, WebhookDeliveryRecord>;
  signingKeys: Map<string, WebhookSigningKeyRecord>;
}

/** The in-memory webhook store, with snapshot/restore for the memory store's transactions. */
export function createMemoryWebhookStore(accountExists: (id: string) => boolean): {
  store: WebhookStore;
  snapshot(): unknown;
  restore(snapshot: unknown): void;
} {
  let state: State = { webhooks: new Map(), deliveries: new Map(), signingKeys: new Map() };

  const store: WebhookStore = {
    async create(webhook) {
      if (!accountExists(webhook.accountId)) throw new Error(`account ${webhook.accountId} does not exist`);
      if (state.webhooks.has(webhook.id)) throw new UniqueViolation("webhook");
      state.webhooks.set(webhook.id, clone(webhook));
      return clone(webhook);
    },
    async get(id) {
      return clone(state.webhooks.get(id) ?? null);
    },
    async list(accountId, request) {
      return page(
        [...state.webhooks.values()].filter((w) => w.accountId === accountId),
        request,
      );
    },
    async listEnabled(accountId) {
      return [...state.webhooks.values()]
        .filter((w) => !w.disabled && (accountId === undefined || w.accountId === accountId))
        .sort(oldestFirst)
        .map(clone);
    },
    async delete(id) {
      if (!state.webhooks.delete(id)) return false;
      for (const [deliveryId, delivery] of state.deliveries) {
        if (delivery.webhookId === id) state.deliveries.delete(deliveryId);
      }
      return true;
    },
    async addDelivery(delivery) {
      if (!state.webhooks.has(delivery.webhookId)) {
        throw new Error(`webhook ${delivery.webhookId} does not exist`);
      }
      if (state.deliveries.has(delivery.id)) throw new UniqueViolation("webhook delivery");
      if (
        delivery.dedupeKey !== null &&
        [...state.deliveries.values()].some((d) => d.dedupeKey === delivery.dedupeKey)
      ) {
        return null;
      }
      const record: WebhookDeliveryRecord = {
        ...clone(delivery),
        status: "pending",
        attempts: 0,
        nextAttemptAt: new Date(delivery.createdAt),
        lastError: null,
        responseStatus: null,
        deliveredAt: null,
      };
      state.deliveries.set(record.id, record);
      return clone(record);
    },
    async listDeliveries(webhookId, request) {
      return page(
        [...state.deliveries.values()].filter((d) => d.webhookId === webhookId),
        request,
      );
    },
    async dueDeliveries(now, limit) {
      return [...state.deliveries.values()]
        .filter((d) => d.status === "pending" && d.nextAttemptAt && d.nextAttemptAt <= now)
        .sort(
          (a, b) =>
            (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0) ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        )
        .slice(0, limit)
        .map(clone);
    },
    async claimDelivery(id, attempts, now, leaseUntil) {
      const current = state.deliveries.get(id);
      const due =
        current?.status === "pending" && current.nextAttemptAt !== null && current.nextAttemptAt <= now;
      if (!current || !due || current.attempts !== attempts) return false;
      current.nextAttemptAt = new Date(leaseUntil);
      return true;
    },
    async recordAttempt(id, result) {
      const current = state.deliveries.get(id);
      if (current) Object.assign(current, clone(result));
    },
    async listSigningKeys() {
      return [...state.signingKeys.values()].sort(oldestFirst).map(clone);
    },
    async addSigningKey(key) {
      if (!state.signingKeys.has(key.id)) state.signingKeys.set(key.id, clone(key));
    },
  };

  return {
    store,
    snapshot: () => clone(state),
    restore(snapshot) {
      state = snapshot as State;
    },
  };
}
