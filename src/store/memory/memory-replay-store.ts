import type { Clock } from "../../core/clock.js";
import { VerifierUnavailableError } from "../../core/errors.js";
import type { ReplayStore } from "../../core/verifier.js";

export interface MemoryReplayOptions {
  clock: Clock;
  /** Ceiling on remembered (kid, jti) pairs. Default 2,000,000 (about 250 MB at worst). */
  maxEntries?: number;
}

/**
 * One process's replay memory. Entries live until `exp + skew`; expired ones are evicted
 * from the front as new ones arrive (tokens expire in roughly arrival order). When the
 * ceiling is reached with nothing expired, it refuses new tokens (fail closed) rather than
 * forget a live one.
 */
export function createMemoryReplayStore(options: MemoryReplayOptions): ReplayStore & { size(): number } {
  const maxEntries = options.maxEntries ?? 2_000_000;
  const seen = new Map<string, number>();
  // No entry expires before this (a lower bound), so until then a full sweep would find nothing.
  let earliestExpiry = Number.POSITIVE_INFINITY;

  function evictExpired(now: number, budget: number): void {
    for (const [entry, expiresAt] of seen) {
      if (budget-- <= 0 || expiresAt > now) break;
      seen.delete(entry);
    }
  }

  /** At the ceiling: drop every expired entry wherever it sits (lifetimes differ per key). */
  function sweep(now: number): void {
    if (now < earliestExpiry) return;
    earliestExpiry = Number.POSITIVE_INFINITY;
    for (const [entry, expiresAt] of seen) {
      if (expiresAt <= now) seen.delete(entry);
      else if (expiresAt < earliestExpiry) earliestExpiry = expiresAt;
    }
  }

  return {
    async record(keyId, jti, expiresAt) {
      const now = options.clock.now();
      evictExpired(now, 8);
      const entry = `${keyId} ${jti}`;
      const existing = seen.get(entry);
      if (existing !== undefined && existing > now) return false;
      if (seen.size >= maxEntries) {
        sweep(now);
        if (seen.size >= maxEntries) throw new VerifierUnavailableError("replay store is full");
      }
      seen.delete(entry);
      seen.set(entry, expiresAt);
      if (expiresAt < earliestExpiry) earliestExpiry = expiresAt;
      return true;
    },
    size: () => seen.size,
  };
}
