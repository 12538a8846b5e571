import type BetterSqlite3 from "better-sqlite3";
import { CHANGE_FEED_LIMIT } from "../change-feed.js";
import { UniqueViolation } from "../errors.js";
import type { AccountRecord, AuditEventRecord, KeyRecord, NewKey, Store, WebhookRecord } from "../ports.js";

/**
 * The SQLite hot path on Prisma's own connection. Each Prisma call costs 0.15–0.8 ms of CPU
 * (query compilation and its request pipeline) where a prepared better-sqlite3 statement costs
 * a few µs, and the verifier's key lookup, the change feed, last-used writes and key creation
 * run all the time. So those statements are prepared once and run directly; everything else
 * stays Prisma. They run on the very connection Prisma uses, so inside `store.transaction`
 * they belong to Prisma's open transaction and commit or roll back with it, exactly like the
 * Prisma calls they replace. Table and column names are those of prisma/schema.prisma; the
 * store conformance suite runs on this path.
 */

/** Prisma's SQLite DateTime text (the adapter's default "iso8601" format). */
const sqliteTime = (date: Date): string => date.toISOString().replace("Z", "+00:00");
const sqliteTimeOrNull = (date: Date | null): string | null => (date ? sqliteTime(date) : null);
const dateOrNull = (text: string | null): Date | null => (text === null ? null : new Date(text));

interface KeyRow {
  id: string;
  account_id: string;
  name: string;
  public_key_x: string;
  fingerprint: string;
  scopes: string;
  allowed_ips: string;
  reusable: number;
  max_lifetime: number | null;
  disabled: number;
  created_by: string;
  rotated_from: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

function toKey(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    x: row.public_key_x,
    fingerprint: row.fingerprint,
    scopes: JSON.parse(row.scopes) as string[],
    allowedIps: JSON.parse(row.allowed_ips) as string[],
    reusable: row.reusable !== 0,
    maxLifetime: row.max_lifetime,
    disabled: row.disabled !== 0,
    createdBy: row.created_by,
    rotatedFrom: row.rotated_from,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    expiresAt: dateOrNull(row.expires_at),
    revokedAt: dateOrNull(row.revoked_at),
    lastUsedAt: dateOrNull(row.last_used_at),
  };
}

/** The record of a key just inserted from `key`. */
function createdRecord(key: NewKey): KeyRecord {
  return {
    ...key,
    scopes: [...key.scopes],
    allowedIps: [...key.allowedIps],
    disabled: key.disabled ?? false,
    updatedAt: key.createdAt,
    revokedAt: null,
    lastUsedAt: null,
  };
}

interface WebhookRow {
  id: string;
  account_id: string;
  url: string;
  events: string;
  disabled: number;
  created_by: string;
  created_at: string;
}

const KEY_COLUMNS =
  "id, account_id, name, public_key_x, fingerprint, scopes, allowed_ips, reusable, max_lifetime, disabled, created_by, rotated_from, created_at, updated_at, expires_at, revoked_at, last_used_at";

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Writes at most this many last-used rows (~0.2 ms) per synchronous step, then lets requests run. */
const TOUCH_BATCH = 32;

function prepareStatements(db: BetterSqlite3.Database) {
  // Prisma's adapter turns on safe integers for the whole connection; these rows hold only
  // small integers (booleans, max_lifetime), so plain numbers are exact.
  const prepare = (sql: string) => db.prepare(sql).safeIntegers(false);
  return {
    keyById: prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`),
    keysChangedSince: prepare(
      "SELECT id, updated_at FROM api_keys WHERE updated_at >= ? ORDER BY updated_at ASC LIMIT ?",
    ),
    touchKey: prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?"),
    insertKey: prepare(
      `INSERT INTO api_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
    ),
    accountById: prepare("SELECT id, name, created_at FROM accounts WHERE id = ?"),
    insertAuditEvent: prepare(
      "INSERT INTO audit_events (id, account_id, key_id, actor, action, ip, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    enabledWebhooksOf: prepare(
      "SELECT id, account_id, url, events, disabled, created_by, created_at FROM webhooks WHERE disabled = 0 AND account_id = ? ORDER BY created_at ASC, id ASC",
    ),
  };
}

/**
 * `store` (Prisma on SQLite) with its hot calls answered by prepared statements on
 * `connection()`, the better-sqlite3 handle Prisma's adapter opened.
 */
export function withDirectSqlite(store: Store, connection: () => BetterSqlite3.Database): Store {
  let prepared: { db: BetterSqlite3.Database; statements: ReturnType<typeof prepareStatements> } | undefined;
  /** The statements of Prisma's current connection (it opens a new one after a disconnect). */
  function statements() {
    const db = connection();
    if (prepared?.db !== db) prepared = { db, statements: prepareStatements(db) };
    return prepared.statements;
  }

  function insertKeyRow(key: NewKey): void {
    try {
      statements().insertKey.run(
        key.id,
        key.accountId,
        key.name,
        key.x,
        key.fingerprint,
        JSON.stringify(key.scopes),
        JSON.stringify(key.allowedIps),
        key.reusable ? 1 : 0,
        key.maxLifetime,
        key.disabled ? 1 : 0,
        key.createdBy,
        key.rotatedFrom,
        sqliteTime(key.createdAt),
        sqliteTime(key.createdAt),
        sqliteTimeOrNull(key.expiresAt),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new UniqueViolation("key");
      throw error;
    }
  }

  function insertAuditRow(event: AuditEventRecord): void {
    statements().insertAuditEvent.run(
      event.id,
      event.accountId,
      event.keyId,
      event.actor,
      event.action,
      event.ip,
      JSON.stringify(event.details),
      sqliteTime(event.createdAt),
    );
  }

  const touchTransaction = (uses: ReadonlyArray<{ id: string; at: Date }>) => {
    const { touchKey } = statements();
    for (const use of uses) touchKey.run(sqliteTime(use.at), use.id);
  };

  function wrap(inner: Store): Store {
    return {
      ...inner,
      accounts: {
        ...inner.accounts,
        async get(id): Promise<AccountRecord | null> {
          const row = statements().accountById.get(id) as
            | { id: string; name: string; created_at: string }
            | undefined;
          return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at) } : null;
        },
      },
      keys: {
        ...inner.keys,
        async get(id) {
          const row = statements().keyById.get(id) as KeyRow | undefined;
          return row ? toKey(row) : null;
        },
        async create(key: NewKey) {
          insertKeyRow(key);
          return createdRecord(key);
        },
        async touchLastUsed(uses) {
          const db = connection();
          for (let start = 0; start < uses.length; start += TOUCH_BATCH) {
            if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
            const batch = uses.slice(start, start + TOUCH_BATCH);
            // Inside an open transaction the rows simply join it, as Prisma's writes would.
            if (db.inTransaction) touchTransaction(batch);
            else db.transaction(touchTransaction)(batch);
          }
        },
        async changedSince(since) {
          const rows = statements().keysChangedSince.all(sqliteTime(since), CHANGE_FEED_LIMIT) as Array<{
            id: string;
            updated_at: string;
          }>;
          return rows.map((row) => ({ id: row.id, updatedAt: new Date(row.updated_at) }));
        },
      },
      audit: {
        ...inner.audit,
        async append(event: AuditEventRecord) {
          insertAuditRow(event);
        },
      },
      webhooks: inner.webhooks && {
        ...inner.webhooks,
        async listEnabled(accountId) {
          // every account's (the dispatcher's sweep) is rare: Prisma answers that one
          if (!accountId) return (inner.webhooks as NonNullable<Store["webhooks"]>).listEnabled(accountId);
          const rows = statements().enabledWebhooksOf.all(accountId) as WebhookRow[];
          return rows.map(
            (row): WebhookRecord => ({
              id: row.id,
              accountId: row.account_id,
              url: row.url,
              events: JSON.parse(row.events) as string[],
              disabled: row.disabled !== 0,
              createdBy: row.created_by,
              createdAt: new Date(row.created_at),
            }),
          );
        },
      },
      transaction: (work) => inner.transaction((tx) => work(wrap(tx))),
      async createKeyWithAudit(key, event) {
        // Synchronous from BEGIN to COMMIT, so nothing else can run on the connection in
        // between; inside someone's open transaction it would join theirs, so it declines.
        const db = connection();
        if (db.inTransaction) return undefined;
        const { accountById } = statements();
        return db
          .transaction((): KeyRecord | "no-account" => {
            if (!accountById.get(key.accountId)) return "no-account";
            insertKeyRow(key);
            insertAuditRow(event);
            return createdRecord(key);
          })
          .immediate();
      },
    };
  }
  return wrap(store);
}
