import type { ReplayStore } from "../../core/verifier.js";

/** The slice of a Durable Object namespace the replay store uses (a fake in tests). */
export interface ReplayNamespace {
  idFromName(name: string): unknown;
  get(id: never): { record(kid: string, jti: string, expiresAt: number): Promise<boolean> };
}

export interface DurableReplayOptions {
  namespace: ReplayNamespace;
  /**
   * How many Durable Objects share the work. Every worker instance must use the same
   * number: changing it moves pairs to other shards, so tokens seen in the last
   * `maxLifetime + clockSkew` seconds could be replayed once. Default 32.
   */
  shards?: number;
}

export const DEFAULT_REPLAY_SHARDS = 32;
export const MAX_REPLAY_SHARDS = 1024;

/** 32-bit FNV-1a over the UTF-16 code units: fast, stable, well spread for ids. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard that owns `(kid, jti)`: one hot key spreads over every shard. */
export function replayShardOf(kid: string, jti: string, shards: number): number {
  return fnv1a(`${kid}\u0000${jti}`) % shards;
}

export const replayShardName = (shard: number): string => `replay-${shard}`;

/**
 * The verifier's replay store on Workers: each `(kid, jti)` goes to one of N ReplayShard
 * Durable Objects, which checks and records it atomically. Any failure to reach the shard
 * rejects, and the verifier fails closed (503).
 */
export function createDurableReplayStore(options: DurableReplayOptions): ReplayStore {
  const shards = options.shards ?? DEFAULT_REPLAY_SHARDS;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_REPLAY_SHARDS) {
    throw new Error(`replay shards must be an integer 1..${MAX_REPLAY_SHARDS}`);
  }
  const { namespace } = options;
  // ids are cheap to derive but not free; there are at most `shards` of them
  const ids = new Map<number, unknown>();
  return {
    async record(kid, jti, expiresAt) {
      const shard = replayShardOf(kid, jti, shards);
      let id = ids.get(shard);
      if (id === undefined) {
        id = namespace.idFromName(replayShardName(shard));
        ids.set(shard, id);
      }
      // a stub per call: stubs are cheap and must not outlive the request that made them
      const first = await namespace.get(id as never).record(kid, jti, Math.ceil(expiresAt));
      if (typeof first !== "boolean") throw new Error("replay shard returned a non-boolean");
      return first;
    },
  };
}
