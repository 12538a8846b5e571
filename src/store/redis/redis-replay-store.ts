import type { Redis } from "ioredis";
import { VerifierUnavailableError } from "../../core/errors.js";
import type { ReplayStore } from "../../core/verifier.js";

export interface RedisReplayOptions {
  /** A `commands` connection (see createRedisConnection): fails fast while Redis is down. */
  redis: Redis;
  /** Default `signet:replay:`. */
  prefix?: string;
}

/**
 * Single use across every instance that shares the Redis: one atomic
 * `SET signet:replay:<kid>:<jti> 1 NX PXAT <expiresAt>` per assertion. The first caller sets
 * it and wins; any later one (on any instance) finds it and loses, until Redis expires it at
 * `exp + skew`. Any Redis failure rejects (VerifierUnavailableError): never accept blind.
 */
export function createRedisReplayStore(options: RedisReplayOptions): ReplayStore {
  const prefix = options.prefix ?? "signet:replay:";
  return {
    async record(keyId, jti, expiresAt) {
      let reply: "OK" | null;
      try {
        reply = await options.redis.set(`${prefix}${keyId}:${jti}`, "1", "PXAT", Math.ceil(expiresAt), "NX");
      } catch (error) {
        throw new VerifierUnavailableError("the replay store (Redis) is unavailable", error);
      }
      return reply === "OK";
    },
  };
}
