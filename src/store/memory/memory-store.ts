import { decodeCursor, encodeCursor, isAfterCursor, newestFirst } from "../cursor.js";
import { UniqueViolation } from "../errors.js";
import type {
  AccountRecord,
  AuditEventRecord,
  KeyPatch,
  KeyRecord,
  NewKey,
  Page,
  PageRequest,
  Store,
} from "../ports.js";
import { createMemoryConsoleStores } from "./memory-console-store.js";
import { createMemoryWebhookStore } from "./memory-webhook-store.js";

function page<T extends { createdAt: Date; id: string }>(all: T[], request: PageRequest): Page<T> {
  const cursor = request.cursor ? decodeCursor(request.cursor) : null;
  const sorted = all.filter((item) => !cursor || isAfterCursor(item, cursor)).sort(newestFirst);
  const items = sorted.slice(0, request.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: sorted.length > request.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

const clone = <T>(value: T): T => structuredClone(value);

/** A store in process memory, for tests and for trying Signet without a database. */
export function createMemoryStore(): Store {
  const accounts = new Map<string, AccountRecord>();
  const keys = new Map<string, KeyRecord>();
  const events: AuditEventRecord[] = [];
  const webhooks = createMemoryWebhookStore((id) => accounts.has(id));
  const consoleStores = createMemoryConsoleStores((id) => accounts.has(id));

  const store: Store = {
    kind: "memory",
    accounts: {
      async create(account) {
        if (accounts.has(account.id) || [...accounts.values()].some((a) => a.name === account.name)) {
          throw new UniqueViolation("account");
        }
        accounts.set(account.id, clone(account));
        return clone(account);
      },
      async get(id) {
        return clone(accounts.get(id) ?? null);
      },
      async getByName(name) {
        return clone([...accounts.values()].find((a) => a.name === name) ?? null);
      },
      async list() {
        return [...accounts.values()]
          .map(clone)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      },
    },
    keys: {
      async create(key: NewKey) {
        if (!accounts.has(key.accountId)) throw new Error(`account ${key.accountId} does not exist`);
        if (keys.has(key.id) || [...keys.values()].some((k) => k.fingerprint === key.fingerprint)) {
          throw new UniqueViolation("key");
        }
        const record: KeyRecord = {
          ...clone(key),
          disabled: key.disabled ?? false,
          updatedAt: key.createdAt,
          revokedAt: null,
          lastUsedAt: null,
        };
        keys.set(key.id, record);
        return clone(record);
      },
      async get(id) {
        return clone(keys.get(id) ?? null);
      },
      async getByFingerprint(fingerprint) {
        return clone([...keys.values()].find((k) => k.fingerprint === fingerprint) ?? null);
      },
      async list(accountId, request) {
        const result = page(
          [...keys.values()].filter((k) => k.accountId === accountId),
          request,
        );
        return { items: result.items.map(clone), nextCursor: result.nextCursor };
      },
      async update(id, patch: KeyPatch) {
        const current = keys.get(id);
        if (!current) return null;
        const next: KeyRecord = { ...current };
        for (const [field, value] of Object.entries(patch)) {
          if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = clone(value);
        }
        keys.set(id, next);
        return clone(next);
      },
      async touchLastUsed(uses) {
        for (const use of uses) {
          const current = keys.get(use.id);
          if (current) current.lastUsedAt = new Date(use.at);
        }
      },
      async changedSince(since) {
        return [...keys.values()]
          .filter((k) => k.updatedAt.getTime() >= since.getTime())
          .map((k) => ({ id: k.id, updatedAt: new Date(k.updatedAt) }));
      },
    },
    audit: {
      async append(event) {
        if (!accounts.has(event.accountId)) throw new Error(`account ${event.accountId} does not exist`);
        events.push(clone(event));
      },
      async list(accountId, request) {
        const result = page(
          events.filter((e) => e.accountId === accountId && (!request.keyId || e.keyId === request.keyId)),
          request,
        );
        return { items: result.items.map(clone), nextCursor: result.nextCursor };
      },
    },
    webhooks: webhooks.store,
    users: consoleStores.users,
    sessions: consoleStores.sessions,
    async transaction(work) {
      // Single-threaded and in memory: snapshot, run, and roll back on failure.
      const snapshot = {
        accounts: clone([...accounts]),
        keys: clone([...keys]),
        events: events.length,
        webhooks: webhooks.snapshot(),
        console: consoleStores.snapshot(),
      };
      try {
        return await work(store);
      } catch (error) {
        accounts.clear();
        for (const [k, v] of snapshot.accounts) accounts.set(k, v);
        keys.clear();
        for (const [k, v] of snapshot.keys) keys.set(k, v);
        events.length = snapshot.events;
        webhooks.restore(snapshot.webhooks);
        consoleStores.restore(snapshot.console);
        throw error;
      }
    },
    async ping() {},
    async close() {},
  };
  return store;
}
