import type { Clock } from "../core/clock.js";
import type { KeyStore } from "./ports.js";

export interface LastUsedOptions {
  keys: KeyStore;
  clock: Clock;
  /** A key's last_used_at is written at most this often, ms. Default 60,000. */
  resolutionMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Coalesces `last_used_at`: requests only touch memory; `flush()` writes each key at most
 * once per resolution window. The server flushes on a timer and at shutdown.
 */
export function createLastUsedRecorder(options: LastUsedOptions) {
  const resolutionMs = options.resolutionMs ?? 60_000;
  const pending = new Map<string, number>();
  const written = new Map<string, number>();

  return {
    record(keyId: string): void {
      const now = options.clock.now();
      const last = written.get(keyId);
      if (last !== undefined && now - last < resolutionMs) return;
      pending.set(keyId, now);
    },
    async flush(): Promise<number> {
      if (pending.size === 0) return 0;
      const batch = [...pending].map(([id, at]) => ({ id, at: new Date(at) }));
      pending.clear();
      try {
        await options.keys.touchLastUsed(batch);
      } catch (error) {
        // keep the uses for the next flush (a newer use recorded meanwhile wins)
        for (const use of batch) if (!pending.has(use.id)) pending.set(use.id, use.at.getTime());
        options.onError?.(error);
        return 0;
      }
      const now = options.clock.now();
      for (const use of batch) written.set(use.id, now);
      // forget keys not seen for a while so this map stays bounded by active keys
      if (written.size > 100_000) {
        for (const [id, at] of written) if (now - at >= resolutionMs) written.delete(id);
      }
      return batch.length;
    },
    pendingCount: () => pending.size,
  };
}

export type LastUsedRecorder = ReturnType<typeof createLastUsedRecorder>;
