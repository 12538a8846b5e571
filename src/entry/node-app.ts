import type { HttpBindings } from "@hono/node-server";
import { createConsole } from "../console/index.js";
import type { Clock } from "../core/clock.js";
import { createVerifier } from "../core/verifier.js";
import { createApp } from "../server/app.js";
import type { NodeConfig } from "../server/config.js";
import type { AppDeps, Logger } from "../server/env.js";
import { createWebhookSigner } from "../server/services/webhook-signing.js";
import { createWebhookService, type WebhookService } from "../server/services/webhooks.js";
import { startChangeFeed } from "../store/change-feed.js";
import { createKeyCache } from "../store/key-cache.js";
import { createLastUsedRecorder } from "../store/last-used.js";
import type { MigrateMode } from "../store/prisma/sqlite.js";
import { type NodeReplay, openNodeReplay } from "./node-replay.js";
import { openNodeServices } from "./node-services.js";
import { createNodePasswordHasher } from "./password-node.js";
import { createNodeWebhookTransport } from "./webhook-transport.js";

export interface NodeSignet {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  /**
   * The replay store the verifier records (kid, jti) in; `size()` counts the pairs held in this
   * process's memory (observable for tests and metrics; 0 when they live in Redis or the database).
   */
  replay: NodeReplay["replay"];
  /** Where single use is enforced: this process (SQLite), the database (Postgres) or Redis. */
  replayMode: NodeReplay["mode"];
  /** Webhook registration and delivery (`runDue()` sends what is due now; `scan()` queues notices). */
  webhooks?: WebhookService;
  /** Flushes last-used times, stops timers, closes Redis and the database. */
  close(): Promise<void>;
}

/**
 * Wires Signet for Node: the store (SQLite or Postgres), a key cache kept fresh by API
 * invalidation, the database change feed and (with Redis) pub/sub, and the replay store the
 * deployment calls for (memory, the database, or Redis; see openNodeReplay).
 */
export async function buildNodeSignet(
  config: NodeConfig,
  options: { logger: Logger; clock?: Clock; migrate?: MigrateMode },
): Promise<NodeSignet> {
  let invalidate: (keyId: string) => void | Promise<void> = () => {};
  let kickWebhooks: () => void = () => {};
  const services = await openNodeServices(config, {
    migrate: options.migrate ?? "always",
    clock: options.clock,
    onKeyChanged: (keyId) => invalidate(keyId),
    onWebhookQueued: () => kickWebhooks(),
    onWebhookError: (error) =>
      options.logger.error("could not queue a webhook event", { error: String(error) }),
  });
  const { store, clock, signatures } = services;
  let scale: NodeReplay;
  try {
    scale = await openNodeReplay({ redisUrl: config.redisUrl, store, clock, logger: options.logger });
  } catch (error) {
    await store.close();
    throw error;
  }
  const keyCache = createKeyCache({
    keys: store.keys,
    signatures,
    clock,
    ...(scale.keyCacheTtlMs !== undefined ? { ttlMs: scale.keyCacheTtlMs } : {}),
  });
  await scale.connect(keyCache);
  invalidate = (keyId) => {
    keyCache.invalidate(keyId);
    return scale.publish(keyId);
  };
  const changeFeed = startChangeFeed({
    keys: store.keys,
    cache: keyCache,
    clock,
    onError: (error) =>
      options.logger.error("key change feed failed; cache cleared", { error: String(error) }),
  });
  const { replay } = scale;
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

  // Webhooks: deliveries queued by this process go out at once; the poll also picks up those
  // queued elsewhere (the CLI) and retries; the scan queues expiring / unused notices.
  const webhookStore = store.webhooks;
  let webhooks: WebhookService | undefined;
  if (webhookStore && services.webhookOutbox) {
    const policy = { allowLoopback: config.webhookAllowLoopback ?? false };
    webhooks = createWebhookService({
      store: { ...store, webhooks: webhookStore },
      outbox: services.webhookOutbox,
      signer: createWebhookSigner({
        store: webhookStore,
        clock,
        crypto: services.crypto,
        configuredKey: config.webhookSigningKey,
      }),
      clock,
      logger: options.logger,
      issuer: config.publicUrl,
      policy,
      transport: createNodeWebhookTransport(policy),
    });
    const service = webhooks;
    kickWebhooks = () => service.kick();
    service.start({ pollMs: 5_000, scanMs: 3_600_000 });
  }

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
    health: scale.health,
    webhooks,
    // the customer console at /console (passwords hashed by the native Argon2id binding)
    console:
      store.users && store.sessions ? createConsole({ hasher: createNodePasswordHasher() }) : undefined,
    clientIp: (request, env) => {
      if (config.trustProxy) {
        // the right-most entry is the one our own proxy appended; earlier ones are the client's to forge
        const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
        if (forwarded) return forwarded;
      }
      return (env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress;
    },
    setResponseHeader: (env, name, value) => {
      const outgoing = (env as Partial<HttpBindings> | undefined)?.outgoing;
      if (!outgoing || outgoing.headersSent) return false;
      outgoing.setHeader(name, value);
      return true;
    },
  };
  return {
    app: createApp(deps),
    deps,
    replay,
    replayMode: scale.mode,
    webhooks,
    async close() {
      await webhooks?.stop();
      changeFeed.stop();
      clearInterval(flushTimer);
      await lastUsed.flush();
      await scale.close();
      await store.close();
    },
  };
}
