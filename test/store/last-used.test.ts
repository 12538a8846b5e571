import { beforeEach, describe, expect, it, vi } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { createLastUsedRecorder } from "../../src/store/last-used.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import type { KeyRecord, KeyStore, Store } from "../../src/store/ports.js";
import { NOW_MS, seedAccount, seedKey } from "./support.js";

type Batch = Array<{ id: string; at: number }>;

/** A KeyStore that records each touchLastUsed batch (times as ms) before passing it on. */
function recordingKeys(inner: KeyStore): KeyStore & { batches: Batch[] } {
  const batches: Batch[] = [];
  return {
    ...inner,
    batches,
    async touchLastUsed(uses) {
      batches.push(uses.map((use) => ({ id: use.id, at: use.at.getTime() })));
      await inner.touchLastUsed(uses);
    },
  };
}

describe("createLastUsedRecorder", () => {
  let store: Store;
  let a: KeyRecord;
  let b: KeyRecord;
  let clock: ReturnType<typeof fixedClock>;

  beforeEach(async () => {
    store = createMemoryStore();
    const accountId = await seedAccount(store);
    a = (await seedKey(store, accountId)).record;
    b = (await seedKey(store, accountId)).record;
    clock = fixedClock(NOW_MS);
  });

  it("writes each key once per minute however often it is used, without touching updatedAt", async () => {
    const keys = recordingKeys(store.keys);
    const recorder = createLastUsedRecorder({ keys, clock });

    recorder.record(a.id);
    expect(await recorder.flush()).toBe(1);
    expect(keys.batches).toEqual([[{ id: a.id, at: NOW_MS }]]);

    // 1,000 uses over the rest of the minute, flushed every few seconds: no further writes
    for (let i = 1; i <= 1_000; i++) {
      clock.set(NOW_MS + Math.floor((i * 59_999) / 1_000));
      recorder.record(a.id);
      if (i % 50 === 0) expect(await recorder.flush()).toBe(0);
    }
    expect(await recorder.flush()).toBe(0);
    expect(keys.batches).toHaveLength(1);
    expect(recorder.pendingCount()).toBe(0);

    // the window has passed: the next use is written again
    clock.set(NOW_MS + 60_000);
    recorder.record(a.id);
    expect(recorder.pendingCount()).toBe(1);
    expect(await recorder.flush()).toBe(1);
    expect(keys.batches).toEqual([[{ id: a.id, at: NOW_MS }], [{ id: a.id, at: NOW_MS + 60_000 }]]);

    const stored = await store.keys.get(a.id);
    expect(stored?.lastUsedAt?.getTime()).toBe(NOW_MS + 60_000);
    expect(stored?.updatedAt.getTime()).toBe(a.updatedAt.getTime());
  });

  it("coalesces uses before a flush into one entry per key carrying the latest time", async () => {
    const keys = recordingKeys(store.keys);
    const recorder = createLastUsedRecorder({ keys, clock });

    for (let i = 0; i < 100; i++) {
      recorder.record(a.id);
      if (i % 2 === 0) recorder.record(b.id);
      clock.advance(100);
    }
    expect(recorder.pendingCount()).toBe(2);
    expect(await recorder.flush()).toBe(2);

    expect(keys.batches).toHaveLength(1);
    const batch = [...(keys.batches[0] ?? [])].sort((x, y) => (x.id < y.id ? -1 : 1));
    const expected = [
      { id: a.id, at: NOW_MS + 99 * 100 },
      { id: b.id, at: NOW_MS + 98 * 100 },
    ].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(batch).toEqual(expected);
    expect((await store.keys.get(a.id))?.lastUsedAt?.getTime()).toBe(NOW_MS + 9_900);
    expect((await store.keys.get(b.id))?.lastUsedAt?.getTime()).toBe(NOW_MS + 9_800);
  });

  it("tracks the window per key", async () => {
    const keys = recordingKeys(store.keys);
    const recorder = createLastUsedRecorder({ keys, clock });

    recorder.record(a.id);
    await recorder.flush();
    clock.advance(30_000);
    recorder.record(a.id); // within a's window
    recorder.record(b.id); // b's first use
    expect(await recorder.flush()).toBe(1);
    expect(keys.batches[1]).toEqual([{ id: b.id, at: NOW_MS + 30_000 }]);
  });

  it("honours a custom resolution", async () => {
    const keys = recordingKeys(store.keys);
    const recorder = createLastUsedRecorder({ keys, clock, resolutionMs: 1_000 });
    recorder.record(a.id);
    await recorder.flush();
    clock.advance(999);
    recorder.record(a.id);
    expect(await recorder.flush()).toBe(0);
    clock.advance(1);
    recorder.record(a.id);
    expect(await recorder.flush()).toBe(1);
    expect(keys.batches).toHaveLength(2);
  });

  it("does not call the store when nothing is pending", async () => {
    const keys = recordingKeys(store.keys);
    const recorder = createLastUsedRecorder({ keys, clock });
    expect(await recorder.flush()).toBe(0);
    expect(keys.batches).toEqual([]);
  });

  it("reports a failed write through onError without throwing, and writes the use on a later flush", async () => {
    const outage = new Error("database is locked");
    let failing = true;
    const inner = recordingKeys(store.keys);
    const keys: KeyStore = {
      ...inner,
      async touchLastUsed(uses) {
        if (failing) throw outage;
        await inner.touchLastUsed(uses);
      },
    };
    const onError = vi.fn();
    const recorder = createLastUsedRecorder({ keys, clock, onError });

    recorder.record(a.id);
    await expect(recorder.flush()).resolves.toBe(0);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(outage);
    expect((await store.keys.get(a.id))?.lastUsedAt).toBeNull();

    // the failed key is not treated as written: its use is neither lost nor throttled
    failing = false;
    clock.advance(5_000);
    expect(await recorder.flush()).toBe(1);
    expect(inner.batches).toEqual([[{ id: a.id, at: NOW_MS }]]);
    expect((await store.keys.get(a.id))?.lastUsedAt?.getTime()).toBe(NOW_MS);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it("does not throw on a failed write when no onError is given", async () => {
    const keys: KeyStore = {
      ...store.keys,
      touchLastUsed: async () => {
        throw new Error("down");
      },
    };
    const recorder = createLastUsedRecorder({ keys, clock });
    recorder.record(a.id);
    await expect(recorder.flush()).resolves.toBe(0);
  });

  it("keeps a newer use recorded during a failed write", async () => {
    let failing = true;
    const inner = recordingKeys(store.keys);
    const keys: KeyStore = {
      ...inner,
      async touchLastUsed(uses) {
        // the use below lands while this write is in flight
        clock.advance(1_000);
        recorder.record(a.id);
        if (failing) throw new Error("down");
        await inner.touchLastUsed(uses);
      },
    };
    const recorder = createLastUsedRecorder({ keys, clock, onError: () => {} });

    recorder.record(a.id);
    await recorder.flush();
    failing = false;
    await recorder.flush();
    expect(inner.batches[0]).toEqual([{ id: a.id, at: NOW_MS + 1_000 }]);
  });
});
