import type { Clock } from "../core/clock.js";
import type { SignatureVerifier } from "../core/signature.js";
import type { KeyResolver, ResolvedKey, VerificationKey } from "../core/verifier.js";
import type { KeyRecord, KeyStore } from "./ports.js";

export interface KeyCacheOptions {
  keys: KeyStore;
  signatures: SignatureVerifier;
  clock: Clock;
  /** Cached keys kept at most. Default 50,000. */
  maxEntries?: number;
  /** Unknown ids remembered at most. Default 10,000. */
  maxNegativeEntries?: number;
  /** How long an unknown id is remembered, ms. Default 2,000. */
  negativeTtlMs?: number;
  /**
   * Backstop lifetime of a cached key, ms. Invalidation (API, change feed, pub/sub) is the
   * primary path; this bounds staleness if every message is lost. Default 60,000.
   */
  ttlMs?: number;
  /** A shared in-flight load older than this is not joined by new callers, ms. Default 3,000. */
  loadTimeoutMs?: number;
}

interface Entry {
  resolved: ResolvedKey;
  updatedAt: number;
  loadedAt: number;
}

export function toVerificationKey(record: KeyRecord): VerificationKey {
  return {
    id: record.id,
    accountId: record.accountId,
    x: record.x,
    scopes: record.scopes,
    disabled: record.disabled,
    revokedAt: record.revokedAt?.getTime() ?? null,
    expiresAt: record.expiresAt?.getTime() ?? null,
    allowedIps: record.allowedIps,
    reusable: record.reusable,
    maxLifetime: record.maxLifetime,
  };
}

/**
 * The verifier's key lookup: an LRU of imported keys in front of the store, a short
 * negative cache for unknown ids, and one in-flight load per id. Store errors propagate
 * (the verifier fails closed).
 */
export function createKeyCache(options: KeyCacheOptions) {
  const maxEntries = options.maxEntries ?? 50_000;
  const maxNegative = options.maxNegativeEntries ?? 10_000;
  const negativeTtlMs = options.negativeTtlMs ?? 2_000;
  const ttlMs = options.ttlMs ?? 60_000;
  const { clock } = options;
  const entries = new Map<string, Entry>();
  const negative = new Map<string, number>();
  // In-flight loads, shared by concurrent callers; one older than loadTimeoutMs is not joined,
  // so a lookup that hung while the store was down does not lock the key out afterwards.
  const loading = new Map<string, { promise: Promise<ResolvedKey | null>; startedAt: number }>();
  const loadTimeoutMs = options.loadTimeoutMs ?? 3_000;
  // Bumped on every invalidation so a load that raced with it is not cached.
  let generation = 0;

  async function load(keyId: string): Promise<ResolvedKey | null> {
    const startedAt = generation;
    const record = await options.keys.get(keyId);
    const now = clock.now();
    if (!record) {
      if (startedAt === generation) {
        if (negative.size >= maxNegative) negative.delete(negative.keys().next().value as string);
        negative.set(keyId, now + negativeTtlMs);
      }
      return null;
    }
    const resolved: ResolvedKey = {
      key: toVerificationKey(record),
      verifyKey: await options.signatures.importKey(record.x),
    };
    if (startedAt === generation) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(keyId, { resolved, updatedAt: record.updatedAt.getTime(), loadedAt: now });
    }
    return resolved;
  }

  const cache = {
    /** The cached key, without a promise (the verifier's hot path); undefined when resolve() must load it. */
    peek(keyId: string): ResolvedKey | undefined {
      const entry = entries.get(keyId);
      if (!entry || clock.now() - entry.loadedAt >= ttlMs) return undefined;
      // refresh LRU position
      entries.delete(keyId);
      entries.set(keyId, entry);
      return entry.resolved;
    },
    async resolve(keyId: string): Promise<ResolvedKey | null> {
      const hit = cache.peek(keyId);
      if (hit) return hit;
      const now = clock.now();
      const missUntil = negative.get(keyId);
      if (missUntil !== undefined) {
        if (missUntil > now) return null;
        negative.delete(keyId);
      }
      const inFlight = loading.get(keyId);
      if (inFlight && now - inFlight.startedAt < loadTimeoutMs) return inFlight.promise;
      // only remove our own entry: an invalidation may have replaced it with a newer load
      const promise: Promise<ResolvedKey | null> = load(keyId).finally(() => {
        if (loading.get(keyId)?.promise === promise) loading.delete(keyId);
      });
      loading.set(keyId, { promise, startedAt: now });
      return promise;
    },
    /** Drop one key now (after revoke, update, rotate). */
    invalidate(keyId: string): void {
      generation++;
      entries.delete(keyId);
      negative.delete(keyId);
      loading.delete(keyId);
    },
    /** Drop a key if the store has a newer version than the cached one (change feed). */
    invalidateIfOlder(keyId: string, updatedAt: Date): void {
      const entry = entries.get(keyId);
      if (negative.has(keyId) || (entry && entry.updatedAt < updatedAt.getTime()) || loading.has(keyId)) {
        cache.invalidate(keyId);
      }
    },
    clear(): void {
      generation++;
      entries.clear();
      negative.clear();
      loading.clear();
    },
    stats: () => ({ entries: entries.size, negative: negative.size }),
  } satisfies KeyResolver & Record<string, unknown>;
  return cache;
}

export type KeyCache = ReturnType<typeof createKeyCache>;
