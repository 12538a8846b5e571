import type { Clock } from "../../core/clock.js";
import { VerifierUnavailableError } from "../../core/errors.js";
import type { ReplayStore } from "../../core/verifier.js";
import type { Store } from "../ports.js";

/** The raw-SQL surface of a Prisma client (SQLite or PostgreSQL). */
export interface SqlClient {
  // biome-ignore lint/suspicious/noExplicitAny: Prisma declares raw query parameters as any[]
  $queryRawUnsafe<T = unknown>(query: string, ...values: any[]): PromiseLike<T>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  $executeRawUnsafe(query: string, ...values: any[]): PromiseLike<number>;
}

export type SqlDialect = "sqlite" | "postgres";

export interface SqlAccess {
  client: SqlClient;
  dialect: SqlDialect;
}

/** Stores opened by the Prisma drivers carry their client, so the replay table can share it. */
export function withSql<S extends Store>(store: S, sql: SqlAccess): S & { readonly sql: SqlAccess } {
  return Object.assign(store, { sql });
}

/** The SQL access of a Prisma-backed store, or undefined for other stores. */
export function sqlOf(store: Store): SqlAccess | undefined {
  return (store as Store & { sql?: SqlAccess }).sql;
}

export interface SqlReplayOptions {
  sql: SqlAccess;
  clock: Clock;
  /** How often expired rows are deleted, ms. Default 60,000; 0 turns the timer off. */
  cleanupIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export interface SqlReplayStore extends ReplayStore {
  /** Deletes expired rows now; resolves with how many. */
  cleanup(): Promise<number>;
  /** Stops the cleanup timer (the client belongs to the store). */
  close(): void;
}

/**
 * Single use across every instance on one database when there is no Redis: a row per
 * (key_id, jti) in `replay_entries`, claimed with one atomic statement. The INSERT wins for a
 * new pair; on conflict the row is taken over only if it has expired, and `RETURNING` tells
 * which happened. On PostgreSQL concurrent claims wait on the primary key, so exactly one
 * returns a row; SQLite serialises writers. Expired rows are swept periodically.
 */
export function createSqlReplayStore(options: SqlReplayOptions): SqlReplayStore {
  const { client, dialect } = options.sql;
  const p = (n: number) => (dialect === "postgres" ? `$${n}` : "?"); // each used once, in order
  const claim =
    `INSERT INTO replay_entries (key_id, jti, expires_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}) ` +
    "ON CONFLICT (key_id, jti) DO UPDATE SET expires_at = excluded.expires_at " +
    `WHERE replay_entries.expires_at <= ${p(4)} RETURNING 1 AS claimed`;
  const sweep = `DELETE FROM replay_entries WHERE expires_at <= ${p(1)}`;

  const store: SqlReplayStore = {
    async record(keyId, jti, expiresAt) {
      try {
        const rows = await client.$queryRawUnsafe<unknown[]>(
          claim,
          keyId,
          jti,
          BigInt(Math.ceil(expiresAt)),
          BigInt(options.clock.now()),
        );
        return rows.length === 1;
      } catch (error) {
        throw new VerifierUnavailableError("the replay store (database) is unavailable", error);
      }
    },
    async cleanup() {
      return client.$executeRawUnsafe(sweep, BigInt(options.clock.now()));
    },
    close() {
      if (timer) clearInterval(timer);
    },
  };

  const intervalMs = options.cleanupIntervalMs ?? 60_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (intervalMs > 0) {
    let running = false;
    timer = setInterval(() => {
      if (running) return;
      running = true;
      store
        .cleanup()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    (timer as { unref?: () => void }).unref?.();
  }
  return store;
}
