import type { HttpBindings } from "@hono/node-server";
import type { Clock } from "../core/clock.js";
import { createVerifier } from "../core/verifier.js";
import { createApp } from "../server/app.js";
import type { NodeConfig } from "../server/config.js";
import type { AppDeps, Logger } from "../server/env.js";
import { startChangeFeed } from "../store/change-feed.js";
import { createKeyCache } from "../store/key-cache.js";
import { createLastUsedRecorder } from "../store/last-used.js";
import { createMemoryReplayStore } from "../store/memory/memory-replay-store.js";
import type { MigrateMode } from "../store/prisma/sqlite.js";
import { openNodeServices } from "./node-services.js";

export interface NodeSignet {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  /** Flushes last-used times, stops timers, closes the database. */
  close(): Promise<void>;
}

/** Wires Signet for Node: SQLite store, key cache with change feed, in-memory replay. */
export async function buildNodeSignet(
  config: NodeConfig,
  options: { logger: Logger; clock?: Clock; migrate?: MigrateMode },
): Promise<NodeSignet> {
  let invalidate: (keyId: string) => void = () => {};
  const services = await openNodeServices(config, {
    migrate: options.migrate ?? "always",
    clock: options.clock,
    onKeyChanged: (keyId) => invalidate(keyId),
  });
  const { store, clock, signatures } = services;
  const keyCache = createKeyCache({ keys: store.keys, signatures, clock });
  invalidate = (keyId) => keyCache.invalidate(keyId);
  const changeFeed = startChangeFeed({
    keys: store.keys,
    cache: keyCache,
    clock,
    onError: (error) =>
      options.logger.error("key change feed failed; cache cleared", { error: String(error) }),
  });
  const replay = createMemoryReplayStore({ clock });
  const lastUsed = createLastUsedRecorder({
    keys: store.keys,
    clock,
    onError: (error) => options.logger.warn("could not record last_used_at", { error: String(error) }),
  });
  const flushTimer = setInterval(() => void lastUsed.flush(), 10_000);
  flushTimer.unref();

  const verifier = createVerifier({
    keys: keyCache,
    replay,
    signatures,
    clock,
    audience: config.audience,
    publicOrigin: config.publicUrl,
    clockSkew: config.clockSkew,
    maxLifetime: config.maxLifetime,
  });

  const deps: AppDeps = {
    config: {
      publicUrl: config.publicUrl,
      audience: config.audience,
      clockSkew: config.clockSkew,
      maxLifetime: config.maxLifetime,
    },
    store,
    verifier,
    keyCache,
    keys: services.keys,
    lastUsed,
    clock,
    logger: options.logger,
    clientIp: (request, env) => {
      if (config.trustProxy) {
        const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
        if (forwarded) return forwarded;
      }
      return (env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress;
    },
  };
  return {
    app: createApp(deps),
    deps,
    async close() {
      changeFeed.stop();
      clearInterval(flushTimer);
      await lastUsed.flush();
      await store.close();
    },
  };
}
