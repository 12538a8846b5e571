/**
 * Wires Signet for Cloudflare Workers: the same createApp(deps) as Node, with D1 (through
 * Prisma) for data, ReplayShard Durable Objects for replay and an isolate key cache whose
 * short TTL is the revocation bound. Nothing here may import Node-only modules.
 */
import type { D1Database, DurableObjectNamespace } from "@cloudflare/workers-types";
import { z } from "zod";
import { createConsole, createPortablePasswordHasher } from "../console/index.js";
import { type Clock, systemClock } from "../core/clock.js";
import { webCryptoProvider } from "../core/crypto-provider.js";
import { joseSignatureVerifier } from "../core/signature.js";
import { createVerifier } from "../core/verifier.js";
import { createApp } from "../server/app.js";
import { ConfigError, loadConfig } from "../server/config.js";
import type { AppDeps, Logger } from "../server/env.js";
import { createKeyService } from "../server/services/key-service.js";
import { createD1Store } from "../store/d1/worker-store.js";
import type { ReplayShard } from "../store/durable/replay-shard.js";
import {
  createDurableReplayStore,
  DEFAULT_REPLAY_SHARDS,
  MAX_REPLAY_SHARDS,
  replayShardName,
} from "../store/durable/replay-store.js";
import { createKeyCache } from "../store/key-cache.js";
import { createLastUsedRecorder, type LastUsedRecorder } from "../store/last-used.js";

/** The bindings wrangler.toml declares. Vars arrive as strings (or numbers, when unquoted). */
export interface WorkerEnv {
  DB: D1Database;
  REPLAY: DurableObjectNamespace<ReplayShard>;
  SIGNET_PUBLIC_URL?: string;
  SIGNET_AUDIENCE?: string;
  SIGNET_CLOCK_SKEW?: string | number;
  SIGNET_MAX_LIFETIME?: string | number;
  SIGNET_KEY_CACHE_TTL?: string | number;
  SIGNET_REPLAY_SHARDS?: string | number;
  SIGNET_LOG?: string;
}

/**
 * Default isolate key-cache TTL in seconds: the revocation bound on Workers. A revoke through
 * this isolate's API takes effect at once; one made through another isolate (or the CLI on
 * D1) is seen by every isolate within this many seconds.
 */
export const DEFAULT_KEY_CACHE_TTL_SECONDS = 5;
export const MAX_KEY_CACHE_TTL_SECONDS = 60;

export interface WorkerConfig {
  publicUrl: string;
  audience: string;
  clockSkew: number;
  maxLifetime: number;
  keyCacheTtlSeconds: number;
  replayShards: number;
  log: "json" | "pretty" | "silent";
}

const WorkerVars = z.object({
  SIGNET_KEY_CACHE_TTL: z.coerce.number().int().min(1).max(MAX_KEY_CACHE_TTL_SECONDS),
  SIGNET_REPLAY_SHARDS: z.coerce.number().int().min(1).max(MAX_REPLAY_SHARDS),
});

const text = (value: unknown): string | undefined =>
  typeof value === "string" || typeof value === "number" ? String(value) : undefined;

/** Reads the worker's vars with the same rules as the Node config; throws one-line ConfigError. */
export function loadWorkerConfig(env: Partial<WorkerEnv>): WorkerConfig {
  if (!text(env.SIGNET_PUBLIC_URL)) {
    throw new ConfigError("SIGNET_PUBLIC_URL: required on Workers (the worker's public origin)");
  }
  const base = loadConfig({
    SIGNET_PUBLIC_URL: text(env.SIGNET_PUBLIC_URL),
    SIGNET_AUDIENCE: text(env.SIGNET_AUDIENCE),
    SIGNET_CLOCK_SKEW: text(env.SIGNET_CLOCK_SKEW),
    SIGNET_MAX_LIFETIME: text(env.SIGNET_MAX_LIFETIME),
    SIGNET_LOG: text(env.SIGNET_LOG),
  });
  const parsed = WorkerVars.safeParse({
    SIGNET_KEY_CACHE_TTL: text(env.SIGNET_KEY_CACHE_TTL) || DEFAULT_KEY_CACHE_TTL_SECONDS,
    SIGNET_REPLAY_SHARDS: text(env.SIGNET_REPLAY_SHARDS) || DEFAULT_REPLAY_SHARDS,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue?.path.join(".") ?? "vars"}: ${issue?.message ?? "invalid"}`);
  }
  return {
    publicUrl: base.publicUrl,
    audience: base.audience,
    clockSkew: base.clockSkew,
    maxLifetime: base.maxLifetime,
    keyCacheTtlSeconds: parsed.data.SIGNET_KEY_CACHE_TTL,
    replayShards: parsed.data.SIGNET_REPLAY_SHARDS,
    log: base.log,
  };
}

/** Logs through console, which Workers Logs and `wrangler tail` collect. Never pass secrets. */
export function createConsoleLogger(mode: WorkerConfig["log"]): Logger {
  if (mode === "silent") return { info() {}, warn() {}, error() {} };
  const sinks = { info: console.log, warn: console.warn, error: console.error };
  const emit =
    (level: keyof typeof sinks) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (mode === "json") {
        sinks[level](JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
      } else {
        const rest = Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ");
        sinks[level](`${level.padEnd(5)} ${message}${rest ? ` ${rest}` : ""}`);
      }
    };
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export interface WorkerSignet {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  config: WorkerConfig;
  lastUsed: LastUsedRecorder;
}

/** Builds the app for one isolate. Throws ConfigError for bad vars. */
export function buildWorkerSignet(
  env: WorkerEnv,
  options: { clock?: Clock; logger?: Logger } = {},
): WorkerSignet {
  if (!env.DB) throw new ConfigError("DB: the D1 binding is missing (wrangler.toml [[d1_databases]])");
  if (!env.REPLAY) throw new ConfigError("REPLAY: the Durable Object binding is missing (wrangler.toml)");
  const config = loadWorkerConfig(env);
  const logger = options.logger ?? createConsoleLogger(config.log);
  const clock = options.clock ?? systemClock;
  const store = createD1Store(env.DB);
  const signatures = joseSignatureVerifier;

  const keyCache = createKeyCache({
    keys: store.keys,
    signatures,
    clock,
    // No change feed on Workers: this TTL bounds how long another isolate's revoke takes.
    ttlMs: config.keyCacheTtlSeconds * 1000,
    negativeTtlMs: Math.min(2_000, config.keyCacheTtlSeconds * 1000),
  });
  const keys = createKeyService({
    store,
    crypto: webCryptoProvider,
    clock,
    audience: config.audience,
    // a change through this isolate's API is refused on its next request
    onKeyChanged: (keyId) => keyCache.invalidate(keyId),
  });
  const replay = createDurableReplayStore({ namespace: env.REPLAY, shards: config.replayShards });
  const lastUsed = createLastUsedRecorder({
    keys: store.keys,
    clock,
    onError: (error) => logger.warn("could not record last_used_at", { error: String(error) }),
  });
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
    keys,
    lastUsed,
    clock,
    logger,
    // Cloudflare sets this at its edge; a client cannot supply its own.
    clientIp: (request) => request.headers.get("cf-connecting-ip") ?? undefined,
    // The console on Workers hashes passwords with @noble/hashes (Argon2id, the same PHC strings).
    console: createConsole({ hasher: createPortablePasswordHasher() }),
    health: [
      {
        name: "replay",
        check: async () => {
          await env.REPLAY.get(env.REPLAY.idFromName(replayShardName(0))).ping();
        },
      },
    ],
  };
  return { app: createApp(deps), deps, config, lastUsed };
}
