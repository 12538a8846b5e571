import type { Clock } from "../core/clock.js";
import type { KeyCache } from "./key-cache.js";
import type { KeyStore } from "./ports.js";

/** A poll running longer than this counts as failed, ms. */
const HUNG_POLL_MS = 5_000;

/** The most rows a store's changedSince returns in one call. */
export const CHANGE_FEED_LIMIT = 10_000;

export interface ChangeFeedOptions {
  keys: KeyStore;
  cache: KeyCache;
  clock: Clock;
  /** Poll interval, ms. Default 250, so a write by another process lands well within 1 s. */
  intervalMs?: number;
  /** Re-read this far back each poll, ms, to cover writers whose clocks lag. Default 2,000. */
  overlapMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Notices key writes made by other processes on the same database (the CLI, another
 * instance) by polling `updatedAt`, and invalidates those keys in this process's cache.
 * If polling keeps failing, the cache is cleared so no stale key outlives the outage.
 */
export function startChangeFeed(options: ChangeFeedOptions): { stop(): void; pollOnce(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 250;
  const overlapMs = options.overlapMs ?? 2_000;
  let since = new Date(options.clock.now() - overlapMs);
  let failures = 0;
  let running: Promise<void> | null = null;
  let runningSince = 0;

  async function pollOnce(): Promise<void> {
    const startedAt = options.clock.now();
    try {
      const changes = await options.keys.changedSince(since);
      // A store returns at most CHANGE_FEED_LIMIT rows; past that, some changes were not seen.
      if (changes.length >= CHANGE_FEED_LIMIT) options.cache.clear();
      else for (const change of changes) options.cache.invalidateIfOlder(change.id, change.updatedAt);
      since = new Date(startedAt - overlapMs);
      failures = 0;
    } catch (error) {
      failures++;
      options.cache.clear();
      if (failures === 1 || failures % 100 === 0) options.onError?.(error);
    }
  }

  const timer = setInterval(() => {
    const now = options.clock.now();
    if (running && now - runningSince > HUNG_POLL_MS) {
      // a poll that hangs (database unreachable) must not stop the feed: treat it as failed
      options.cache.clear();
      running = null;
    }
    if (!running) {
      runningSince = now;
      const poll: Promise<void> = pollOnce().finally(() => {
        if (running === poll) running = null;
      });
      running = poll;
    }
  }, intervalMs);
  timer.unref?.();
  return {
    stop: () => clearInterval(timer),
    pollOnce,
  };
}
