import { CompactSign, importPKCS8 } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { newKeyId } from "../../src/core/ids.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { createKeyCache, toVerificationKey } from "../../src/store/key-cache.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import type { KeyRecord, KeyStore, Store } from "../../src/store/ports.js";
import { countingKeys, type Deferred, deferred, NOW_MS, seedAccount, seedKey, settle } from "./support.js";

/**
 * A KeyStore whose `get` reads the store at once but answers only when the test releases
 * it: the shape of a slow query that raced with a write.
 */
function heldKeys(inner: KeyStore): KeyStore & { gets: string[]; holdNext(): Deferred } {
  const gets: string[] = [];
  const gates: Deferred[] = [];
  return {
    ...inner,
    gets,
    holdNext() {
      const gate = deferred();
      gates.push(gate);
      return gate;
    },
    async get(id) {
      gets.push(id);
      const gate = gates.shift();
      const snapshot = await inner.get(id);
      if (gate) await gate.promise;
      return snapshot;
    },
  };
}

describe("createKeyCache", () => {
  let store: Store;
  let accountId: string;
  let clock: ReturnType<typeof fixedClock>;

  beforeEach(async () => {
    store = createMemoryStore();
    accountId = await seedAccount(store);
    clock = fixedClock(NOW_MS);
  });

  const revoke = (record: KeyRecord, atMs: number) =>
    store.keys.update(record.id, { revokedAt: new Date(atMs), updatedAt: new Date(atMs) });

  it("loads a key once, then answers from memory with a key that verifies its signatures", async () => {
    const { record, privateKeyPem } = await seedKey(store, accountId);
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    const first = await cache.resolve(record.id);
    expect(first?.key).toEqual(toVerificationKey(record));
    expect(keys.gets).toEqual([record.id]);

    clock.advance(30_000);
    const second = await cache.resolve(record.id);
    expect(second).toBe(first);
    expect(keys.gets).toEqual([record.id]);
    expect(cache.stats()).toEqual({ entries: 1, negative: 0 });

    const token = await new CompactSign(new TextEncoder().encode("payload"))
      .setProtectedHeader({ alg: "EdDSA" })
      .sign(await importPKCS8(privateKeyPem, "EdDSA"));
    expect(await joseSignatureVerifier.verify(token, first?.verifyKey)).toBe(true);
    const other = await seedKey(store, accountId);
    const foreign = await new CompactSign(new TextEncoder().encode("payload"))
      .setProtectedHeader({ alg: "EdDSA" })
      .sign(await importPKCS8(other.privateKeyPem, "EdDSA"));
    expect(await joseSignatureVerifier.verify(foreign, first?.verifyKey)).toBe(false);
  });

  it("reloads after invalidate and sees the store's new state", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    expect((await cache.resolve(record.id))?.key.revokedAt).toBeNull();
    await revoke(record, NOW_MS + 1_000);
    // without an invalidation the cached (stale) state is served
    expect((await cache.resolve(record.id))?.key.revokedAt).toBeNull();
    expect(keys.gets).toHaveLength(1);

    cache.invalidate(record.id);
    expect((await cache.resolve(record.id))?.key.revokedAt).toBe(NOW_MS + 1_000);
    expect(keys.gets).toHaveLength(2);
  });

  it("remembers an unknown id for negativeTtlMs, then asks the store again", async () => {
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, negativeTtlMs: 2_000 });
    const unknown = newKeyId();

    expect(await cache.resolve(unknown)).toBeNull();
    expect(keys.gets).toEqual([unknown]);
    expect(cache.stats()).toEqual({ entries: 0, negative: 1 });

    clock.advance(1_999);
    expect(await cache.resolve(unknown)).toBeNull();
    expect(keys.gets).toHaveLength(1);

    clock.advance(1);
    expect(await cache.resolve(unknown)).toBeNull();
    expect(keys.gets).toHaveLength(2);
  });

  it("finds a key created after its id was negatively cached once the negative entry expires", async () => {
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, negativeTtlMs: 500 });
    const { record } = await seedKey(store, accountId);
    const lateId = newKeyId();

    expect(await cache.resolve(lateId)).toBeNull();
    await store.keys.create({ ...record, id: lateId, fingerprint: `${record.fingerprint}-late` });
    clock.advance(499);
    expect(await cache.resolve(lateId)).toBeNull();
    clock.advance(1);
    expect((await cache.resolve(lateId))?.key.id).toBe(lateId);
    expect(keys.gets).toEqual([lateId, lateId]);
    expect(cache.stats()).toEqual({ entries: 1, negative: 0 });
  });

  it("makes one store call for concurrent resolves of the same id", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = heldKeys(store.keys);
    const gate = keys.holdNext();
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    const pending = Array.from({ length: 20 }, () => cache.resolve(record.id));
    await settle();
    gate.resolve();
    const results = await Promise.all(pending);

    expect(keys.gets).toEqual([record.id]);
    expect(results[0]?.key.id).toBe(record.id);
    for (const result of results) expect(result).toBe(results[0]);
  });

  it("makes one store call for concurrent resolves of the same unknown id", async () => {
    const keys = heldKeys(store.keys);
    const gate = keys.holdNext();
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });
    const unknown = newKeyId();

    const pending = Array.from({ length: 5 }, () => cache.resolve(unknown));
    await settle();
    gate.resolve();
    expect(await Promise.all(pending)).toEqual([null, null, null, null, null]);
    expect(keys.gets).toEqual([unknown]);
  });

  it("never holds more than maxEntries keys and evicts the least recently used", async () => {
    const records: KeyRecord[] = [];
    for (let i = 0; i < 8; i++) records.push((await seedKey(store, accountId)).record);
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, maxEntries: 3 });

    for (const record of records) {
      expect((await cache.resolve(record.id))?.key.id).toBe(record.id);
      expect(cache.stats().entries).toBeLessThanOrEqual(3);
    }
    expect(cache.stats().entries).toBe(3);
    expect(keys.gets).toHaveLength(8);

    const [a, b, c] = records.slice(5) as [KeyRecord, KeyRecord, KeyRecord];
    // the last three are cached
    for (const record of [a, b, c]) await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(8);

    // touch a so b is the least recently used, then load a new key
    await cache.resolve(a.id);
    await cache.resolve((records[0] as KeyRecord).id);
    expect(keys.gets).toHaveLength(9);
    expect(cache.stats().entries).toBe(3);
    await cache.resolve(a.id);
    await cache.resolve(c.id);
    expect(keys.gets).toHaveLength(9);
    await cache.resolve(b.id);
    expect(keys.gets).toHaveLength(10);
    expect(cache.stats().entries).toBe(3);
  });

  it("never holds more than maxNegativeEntries unknown ids", async () => {
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, maxNegativeEntries: 4 });
    const unknown = Array.from({ length: 50 }, () => newKeyId());

    for (const id of unknown) {
      expect(await cache.resolve(id)).toBeNull();
      expect(cache.stats().negative).toBeLessThanOrEqual(4);
    }
    expect(cache.stats()).toEqual({ entries: 0, negative: 4 });
    expect(keys.gets).toHaveLength(50);

    // the most recent four are remembered, the oldest was forgotten
    for (const id of unknown.slice(-4)) await cache.resolve(id);
    expect(keys.gets).toHaveLength(50);
    await cache.resolve(unknown[0] as string);
    expect(keys.gets).toHaveLength(51);
  });

  it("propagates store errors and caches nothing for them", async () => {
    const { record } = await seedKey(store, accountId);
    const outage = new Error("database is locked");
    let failing = true;
    const calls: string[] = [];
    const keys: KeyStore = {
      ...store.keys,
      async get(id) {
        calls.push(id);
        if (failing) throw outage;
        return store.keys.get(id);
      },
    };
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    await expect(cache.resolve(record.id)).rejects.toBe(outage);
    await expect(cache.resolve(record.id)).rejects.toBe(outage);
    expect(calls).toHaveLength(2);
    expect(cache.stats()).toEqual({ entries: 0, negative: 0 });

    failing = false;
    expect((await cache.resolve(record.id))?.key.id).toBe(record.id);
    expect(calls).toHaveLength(3);
  });

  it("reloads a key after ttlMs even if no invalidation ever arrives", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, ttlMs: 10_000 });

    await cache.resolve(record.id);
    await revoke(record, NOW_MS + 1);

    clock.advance(9_999);
    expect((await cache.resolve(record.id))?.key.revokedAt).toBeNull();
    expect(keys.gets).toHaveLength(1);

    clock.advance(1);
    expect((await cache.resolve(record.id))?.key.revokedAt).toBe(NOW_MS + 1);
    expect(keys.gets).toHaveLength(2);
    expect(cache.stats().entries).toBe(1);
  });

  it("invalidateIfOlder drops a key only when the store's updatedAt is newer", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });
    await cache.resolve(record.id);
    const cachedAt = record.updatedAt.getTime();

    cache.invalidateIfOlder(record.id, new Date(cachedAt));
    cache.invalidateIfOlder(record.id, new Date(cachedAt - 1));
    await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(1);

    await revoke(record, cachedAt + 1);
    cache.invalidateIfOlder(record.id, new Date(cachedAt + 1));
    expect((await cache.resolve(record.id))?.key.revokedAt).toBe(cachedAt + 1);
    expect(keys.gets).toHaveLength(2);

    // now cached at cachedAt + 1: the same change seen again is not newer
    cache.invalidateIfOlder(record.id, new Date(cachedAt + 1));
    await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(2);
  });

  it("invalidateIfOlder forgets a negative entry (the key was created elsewhere)", async () => {
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, negativeTtlMs: 60_000 });
    const { record } = await seedKey(store, accountId);
    const id = newKeyId();
    expect(await cache.resolve(id)).toBeNull();
    await store.keys.create({ ...record, id, fingerprint: `${record.fingerprint}-2` });

    expect(await cache.resolve(id)).toBeNull();
    cache.invalidateIfOlder(id, new Date(NOW_MS));
    expect((await cache.resolve(id))?.key.id).toBe(id);
    expect(cache.stats()).toEqual({ entries: 1, negative: 0 });
  });

  it("does not cache a load that raced with an invalidate", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = heldKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    const gate = keys.holdNext();
    const racing = cache.resolve(record.id);
    await settle(); // the store has been read: the load now carries the pre-revoke state
    await revoke(record, NOW_MS + 5);
    cache.invalidate(record.id);
    gate.resolve();

    // the caller that was already waiting gets what the store said when it asked
    expect((await racing)?.key.revokedAt).toBeNull();
    expect(cache.stats().entries).toBe(0);
    // but nobody after the invalidation is served the stale state
    expect((await cache.resolve(record.id))?.key.revokedAt).toBe(NOW_MS + 5);
    expect(keys.gets).toHaveLength(2);
  });

  it("does not cache a load that raced with invalidateIfOlder", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = heldKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    const gate = keys.holdNext();
    const racing = cache.resolve(record.id);
    await settle();
    await revoke(record, NOW_MS + 5);
    cache.invalidateIfOlder(record.id, new Date(NOW_MS + 5));
    gate.resolve();

    expect((await racing)?.key.revokedAt).toBeNull();
    expect((await cache.resolve(record.id))?.key.revokedAt).toBe(NOW_MS + 5);
    expect(keys.gets).toHaveLength(2);
  });

  it("does not negatively cache a miss that raced with an invalidate", async () => {
    const keys = heldKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock, negativeTtlMs: 60_000 });
    const { record } = await seedKey(store, accountId);
    const id = newKeyId();

    const gate = keys.holdNext();
    const racing = cache.resolve(id);
    await settle(); // the store said "unknown"
    await store.keys.create({ ...record, id, fingerprint: `${record.fingerprint}-3` });
    cache.invalidate(id);
    gate.resolve();

    expect(await racing).toBeNull();
    expect(cache.stats().negative).toBe(0);
    expect((await cache.resolve(id))?.key.id).toBe(id);
  });

  it("keeps one load in flight per id when a stale load finishes after an invalidate", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = heldKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });

    const staleGate = keys.holdNext();
    const stale = cache.resolve(record.id);
    await settle();
    await revoke(record, NOW_MS + 5);
    cache.invalidate(record.id);

    const freshGate = keys.holdNext();
    const fresh = cache.resolve(record.id);
    await settle();
    staleGate.resolve();
    expect((await stale)?.key.revokedAt).toBeNull();

    // the fresh load is still in flight: a third caller joins it instead of asking again
    const joiner = cache.resolve(record.id);
    await settle();
    freshGate.resolve();
    expect((await fresh)?.key.revokedAt).toBe(NOW_MS + 5);
    expect(await joiner).toBe(await fresh);
    expect(keys.gets).toHaveLength(2);
    expect(cache.stats().entries).toBe(1);
  });

  it("clear drops every entry and negative entry", async () => {
    const { record } = await seedKey(store, accountId);
    const keys = countingKeys(store.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });
    await cache.resolve(record.id);
    await cache.resolve(newKeyId());
    expect(cache.stats()).toEqual({ entries: 1, negative: 1 });

    cache.clear();
    expect(cache.stats()).toEqual({ entries: 0, negative: 0 });
    await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(3);
  });
});
