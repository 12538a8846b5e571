import type { Clock } from "../../core/clock.js";
import { VerifierUnavailableError } from "../../core/errors.js";
import type { ReplayStore } from "../../core/verifier.js";

export interface MemoryReplayOptions {
  clock: Clock;
  /**
   * Ceiling on remembered (kid, jti) pairs. Default 2,000,000: about 0.4 GB with 32-character
   * jtis, 0.85 GB with 128-character ones (measured in test/hardening/bounded-resources).
   */
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
  // Arrival order, for eviction from the front without walking the Map (whose iteration
  // slows down over the slots of deleted entries). A slot whose entry was since deleted or
  // re-recorded with another expiry is skipped.
  let order: string[] = [];
  let orderExpiry: number[] = [];
  let head = 0;
  // No entry expires before this (a lower bound), so until then a full sweep would find nothing.
  let earliestExpiry = Number.POSITIVE_INFINITY;

  function evictExpired(now: number, budget: number): void {
    while (head < order.length && budget-- > 0) {
      const expiresAt = orderExpiry[head] as number;
      if (expiresAt > now) break;
      const entry = order[head] as string;
      if (seen.get(entry) === expiresAt) seen.delete(entry);
      head++;
    }
    if (head > 4096 && head * 2 > order.length) {
      order = order.slice(head);
      orderExpiry = orderExpiry.slice(head);
      head = 0;
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
      seen.set(entry, expiresAt);
      order.push(entry);
      orderExpiry.push(expiresAt);
      if (expiresAt < earliestExpiry) earliestExpiry = expiresAt;
      return true;
    },
    size: () => seen.size,
  };
}
