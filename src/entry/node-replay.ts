import type { Redis } from "ioredis";
import type { Clock } from "../core/clock.js";
import type { ReplayStore } from "../core/verifier.js";
import type { Logger } from "../server/env.js";
import type { KeyCache } from "../store/key-cache.js";
import { createMemoryReplayStore } from "../store/memory/memory-replay-store.js";
import type { Store } from "../store/ports.js";
import { createSqlReplayStore, sqlOf } from "../store/prisma/sql-replay-store.js";
import { closeRedis, createRedisConnection, whenReady } from "../store/redis/connection.js";
import { type KeyBus, startRedisKeyBus } from "../store/redis/redis-key-bus.js";
import { createRedisReplayStore } from "../store/redis/redis-replay-store.js";

/** Where single use is enforced, and how key changes reach other instances. */
export interface NodeReplay {
  mode: "memory" | "sql" | "redis";
  /** `size()`: pairs held in this process's memory (0 when they live in Redis or the database). */
  replay: ReplayStore & { size(): number };
  /** The key cache's backstop TTL, ms (undefined: the cache's default). */
  keyCacheTtlMs: number | undefined;
  /** Extra /healthz checks. */
  health: Array<{ name: string; check: () => Promise<void> }>;
  /** Subscribes `cache` to key changes made on other instances (Redis only). */
  connect(cache: KeyCache): Promise<void>;
  /** Tells the other instances a key changed (Redis only; never throws). */
  publish(keyId: string): Promise<void>;
  close(): Promise<void>;
}

/** With Redis, a cached key lives at most this long even if every pub/sub message is lost. */
export const REDIS_KEY_CACHE_TTL_MS = 5_000;

/**
 * Chooses the replay store for the deployment:
 * - REDIS_URL set: Redis (`SET NX PXAT`), plus pub/sub fan-out of key changes;
 * - PostgreSQL without Redis: the `replay_entries` table, so instances sharing the database
 *   share single use (never silently unprotected);
 * - SQLite (one machine): this process's memory.
 */
export async function openNodeReplay(options: {
  redisUrl: string | undefined;
  store: Store;
  clock: Clock;
  logger: Logger;
}): Promise<NodeReplay> {
  const { store, clock, logger } = options;
  const none = { connect: async () => {}, publish: async () => {}, health: [] };

  if (options.redisUrl) {
    const url = options.redisUrl;
    const where = redactUrl(url);
    const connection = (role: "commands" | "subscriber"): Redis =>
      createRedisConnection(url, {
        role,
        onDown: (error) =>
          logger.error("redis unreachable; failing closed until it is back", {
            role,
            redis: where,
            error: String(error),
          }),
        onUp: () => logger.info("redis reachable again", { role, redis: where }),
      });
    const commands = connection("commands");
    const subscriber = connection("subscriber");
    if (!(await whenReady(commands, 3_000))) {
      logger.warn("redis not reachable at startup; requests fail closed until it is", { redis: where });
    }
    const replay = createRedisReplayStore({ redis: commands });
    let bus: KeyBus | undefined;
    return {
      mode: "redis",
      replay: { record: (keyId, jti, expiresAt) => replay.record(keyId, jti, expiresAt), size: () => 0 },
      keyCacheTtlMs: REDIS_KEY_CACHE_TTL_MS,
      health: [
        {
          name: "redis",
          check: async () => {
            await commands.ping();
          },
        },
      ],
      async connect(cache) {
        bus = await startRedisKeyBus({
          publisher: commands,
          subscriber,
          onKeyChanged: (keyId) => cache.invalidate(keyId),
          onMissedMessages: () => cache.clear(),
          onError: (error) => logger.warn("key change subscription", { error: String(error) }),
        });
      },
      async publish(keyId) {
        try {
          await bus?.publish(keyId);
        } catch (error) {
          // The change is committed; the other instances' change feed and cache TTL still catch it.
          logger.warn("could not publish a key change to redis", { keyId, error: String(error) });
        }
      },
      async close() {
        if (bus) await bus.close();
        else await closeRedis(subscriber);
        await closeRedis(commands);
      },
    };
  }

  const sql = sqlOf(store);
  if (store.kind === "postgres" && sql) {
    const replay = createSqlReplayStore({
      sql,
      clock,
      onError: (error) => logger.warn("could not delete expired replay entries", { error: String(error) }),
    });
    return {
      mode: "sql",
      replay: { record: (keyId, jti, expiresAt) => replay.record(keyId, jti, expiresAt), size: () => 0 },
      keyCacheTtlMs: undefined,
      ...none,
      async close() {
        replay.close();
      },
    };
  }

  return {
    mode: "memory",
    replay: createMemoryReplayStore({ clock }),
    keyCacheTtlMs: undefined,
    ...none,
    async close() {},
  };
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis";
  }
}
