/**
 * Memory ceilings, driven past: the replay store, the key cache, its negative cache and the
 * verifier's reusable-token cache keep at most their configured number of entries however
 * many distinct ids arrive, and the heap they hold stays under the per-entry bound SECURITY.md
 * documents. Heap is measured after a forced GC (V8's gc is exposed at runtime for this file).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { VerifierUnavailableError } from "../../src/core/errors.js";
import { newAccountId, newKeyId } from "../../src/core/ids.js";
import { generateKeyPair } from "../../src/core/keys.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { createKeyCache } from "../../src/store/key-cache.js";
import { createMemoryReplayStore } from "../../src/store/memory/memory-replay-store.js";
import type { KeyRecord, KeyStore } from "../../src/store/ports.js";
import { claimsFor, createHarness, NOW_MS, newTestKey, requestWith, signJwt } from "../core/support.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Heap in use after full collections. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes per entry SECURITY.md promises, with headroom over what was measured (see there). */
const REPLAY_BYTES_PER_ENTRY = 512; // measured ~420 with 128-character jtis, ~200 with 32
const NEGATIVE_BYTES_PER_ENTRY = 512; // measured ~280
const KEY_BYTES_PER_ENTRY = 2_048; // measured ~1,200; JS heap only, the key's native half is not in it
const REUSABLE_BYTES_PER_ENTRY = 16_384; // a token of up to 4 KiB and its claims

const jti128 = (i: number) => `${i.toString(36).padStart(12, "0")}${"j".repeat(116)}`;

describe("the in-memory replay store", () => {
  it("fails closed when full of live jtis, and its heap stays under the per-entry bound", async () => {
    const ceiling = 200_000;
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock, maxEntries: ceiling });
    const kid = newKeyId();
    const baseline = heapUsed();
    // a flood of live 128-character jtis (the clock is frozen, nothing expires): the store
    // fills, then refuses new ones rather than forget a live jti
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 250_000; i++) {
      try {
        if (await replay.record(kid, jti128(i), NOW_MS + 360_000)) accepted++;
      } catch (error) {
        if (error instanceof VerifierUnavailableError) refused++;
        else throw error;
      }
    }
    expect(accepted).toBe(ceiling);
    expect(refused).toBe(250_000 - ceiling);
    expect(replay.size()).toBe(ceiling);
    const perEntry = (heapUsed() - baseline) / ceiling;
    console.log(`replay store: ${Math.round(perEntry)} heap bytes per entry (128-character jti)`);
    expect(perEntry).toBeLessThan(REPLAY_BYTES_PER_ENTRY);
    // every live jti is still refused as a replay
    for (const i of [0, 1, 99_999, ceiling - 1]) {
      expect(await replay.record(kid, jti128(i), NOW_MS + 360_000)).toBe(false);
    }
  }, 60_000);

  it("holds at most maxEntries while 1,000,000 distinct jtis flow through, with bursts that fill it", async () => {
    // (a small live set: eviction scans Map holes from the front, so each record costs time
    // proportional to the live entries; see SECURITY.md, "Known limits")
    const ceiling = 5_000;
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock, maxEntries: ceiling });
    const kid = newKeyId();
    const baseline = heapUsed();
    let accepted = 0;
    let refused = 0;
    let max = 0;
    for (let i = 0; i < 1_000_000; i++) {
      // one token per ms living 2 s, and every 100,000 a burst of 8,000 in the same ms
      if (i % 100_000 >= 8_000) clock.advance(1);
      try {
        if (await replay.record(kid, jti128(i), clock.now() + 2_000)) accepted++;
      } catch (error) {
        if (error instanceof VerifierUnavailableError) refused++;
        else throw error;
      }
      if (replay.size() > max) max = replay.size();
    }
    expect(max).toBe(ceiling);
    expect(refused).toBeGreaterThan(0); // the bursts hit the ceiling and failed closed
    expect(accepted + refused).toBe(1_000_000);
    expect(heapUsed() - baseline).toBeLessThan(ceiling * REPLAY_BYTES_PER_ENTRY);
    expect(await replay.record(kid, jti128(999_999), clock.now() + 2_000)).toBe(false);
  }, 60_000);
});

/** A key store that knows `known` ids and answers null for everything else. */
function fakeKeyStore(known: Map<string, KeyRecord>): KeyStore {
  const unused = () => {
    throw new Error("not used by the key cache");
  };
  return {
    // a fresh copy per call, as a database hands back
    get: async (id) => {
      const record = known.get(id);
      return record ? structuredClone(record) : null;
    },
    create: unused,
    getByFingerprint: unused,
    list: unused,
    update: unused,
    touchLastUsed: unused,
    changedSince: unused,
  };
}

describe("the key cache", () => {
  it("remembers at most maxNegativeEntries (default 10,000) of 200,000 distinct unknown ids", async () => {
    const clock = fixedClock(NOW_MS);
    const cache = createKeyCache({ keys: fakeKeyStore(new Map()), signatures: joseSignatureVerifier, clock });
    const baseline = heapUsed();
    // (200,000, not a million: FIFO eviction through Map#keys() costs ~7 µs per miss at this
    // size, see SECURITY.md; a million would take the better part of this file's budget)
    let max = 0;
    let misses = 0;
    for (let i = 0; i < 200_000; i++) {
      if ((await cache.resolve(`key_${i.toString(32).toUpperCase().padStart(26, "0")}`)) === null) misses++;
      max = Math.max(max, cache.stats().negative);
    }
    expect(misses).toBe(200_000);
    expect(cache.stats().negative).toBe(10_000);
    expect(max).toBeLessThanOrEqual(10_000);
    const grown = heapUsed() - baseline;
    console.log(`negative cache: ${Math.round(grown / 10_000)} bytes per entry`);
    expect(grown).toBeLessThan(10_000 * NEGATIVE_BYTES_PER_ENTRY);
  }, 60_000);

  it("holds at most maxEntries imported keys while 20,000 distinct keys are resolved", async () => {
    const clock = fixedClock(NOW_MS);
    const { publicJwk } = await generateKeyPair(webCryptoProvider);
    const known = new Map<string, KeyRecord>();
    const accountId = newAccountId();
    for (let i = 0; i < 20_000; i++) {
      const id = newKeyId();
      known.set(id, {
        id,
        accountId,
        name: `k${i}`,
        x: publicJwk.x,
        fingerprint: `fp${i}`,
        scopes: ["demo:read"],
        allowedIps: [],
        reusable: false,
        maxLifetime: null,
        disabled: false,
        createdBy: "test",
        rotatedFrom: null,
        createdAt: new Date(NOW_MS),
        updatedAt: new Date(NOW_MS),
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
      });
    }
    const ceiling = 5_000;
    const cache = createKeyCache({
      keys: fakeKeyStore(known),
      signatures: joseSignatureVerifier,
      clock,
      maxEntries: ceiling,
    });
    const baseline = heapUsed();
    let max = 0;
    let found = 0;
    for (const id of known.keys()) {
      if ((await cache.resolve(id))?.key.id === id) found++;
      max = Math.max(max, cache.stats().entries);
    }
    expect(found).toBe(known.size);
    expect(max).toBe(ceiling);
    // what the cache itself holds: the heap with it full minus the heap once it is cleared
    const full = heapUsed();
    cache.clear();
    const held = full - heapUsed();
    console.log(`key cache: ${Math.round(held / ceiling)} heap bytes per entry (plus the native key)`);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(ceiling * KEY_BYTES_PER_ENTRY);
    expect(heapUsed() - baseline).toBeLessThan(ceiling * KEY_BYTES_PER_ENTRY);
  }, 60_000);
});

describe("the verifier's cache of verified reusable tokens", () => {
  it("keeps at most reusableCacheSize tokens: the oldest is evicted and checked again", async () => {
    const h = createHarness({ reusableCacheSize: 500 });
    const key = await newTestKey(webCryptoProvider);
    await h.addKey(key, { reusable: true });
    // near the 4 KiB limit, the largest a cache entry can be
    const reusable = (i: number) => {
      const { jti: _j, htm: _m, htu: _u, ...claims } = claimsFor(key.id, { n: i, pad: "p".repeat(2_700) });
      return signJwt(key, claims);
    };
    const tokens: string[] = [];
    for (let i = 0; i < 1_500; i++) tokens.push(await reusable(i));
    expect(Math.min(...tokens.map((token) => token.length))).toBeGreaterThan(3_900);
    const baseline = heapUsed();
    for (const token of tokens) expect((await h.verify(requestWith(token))).valid).toBe(true);
    expect(h.signatureChecks.count).toBe(1_500);
    const perEntry = (heapUsed() - baseline) / 500;
    console.log(`reusable-token cache: ${Math.round(perEntry)} heap bytes per entry (4 KiB tokens)`);
    expect(perEntry).toBeLessThan(REUSABLE_BYTES_PER_ENTRY);
    // the newest 500 are answered from the cache, without a signature check
    for (const token of tokens.slice(-500)) expect((await h.verify(requestWith(token))).valid).toBe(true);
    expect(h.signatureChecks.count).toBe(1_500);
    // the first one was evicted long ago: it is verified again (and still valid)
    expect((await h.verify(requestWith(tokens[0] as string))).valid).toBe(true);
    expect(h.signatureChecks.count).toBe(1_501);
  }, 60_000);
});
