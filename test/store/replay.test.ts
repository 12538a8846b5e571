import { describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { VerifierUnavailableError } from "../../src/core/errors.js";
import { newKeyId } from "../../src/core/ids.js";
import { createMemoryReplayStore } from "../../src/store/memory/memory-replay-store.js";
import { NOW_MS } from "./support.js";

const jti = (n: number): string => `jti-${String(n).padStart(12, "0")}`;

describe("createMemoryReplayStore", () => {
  it("accepts a (kid, jti) once, refuses it until it expires, then accepts it again", async () => {
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock });
    const kid = newKeyId();
    const expiresAt = NOW_MS + 60_000;

    expect(await replay.record(kid, jti(1), expiresAt)).toBe(true);
    expect(await replay.record(kid, jti(1), expiresAt)).toBe(false);
    clock.set(expiresAt - 1);
    expect(await replay.record(kid, jti(1), expiresAt)).toBe(false);

    clock.set(expiresAt);
    expect(await replay.record(kid, jti(1), expiresAt + 60_000)).toBe(true);
    expect(await replay.record(kid, jti(1), expiresAt + 60_000)).toBe(false);
    expect(replay.size()).toBe(1);
  });

  it("keeps jtis of different keys apart", async () => {
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock });
    const [k1, k2] = [newKeyId(), newKeyId()];
    expect(await replay.record(k1, jti(1), NOW_MS + 1_000)).toBe(true);
    expect(await replay.record(k2, jti(1), NOW_MS + 1_000)).toBe(true);
    expect(await replay.record(k1, jti(1), NOW_MS + 1_000)).toBe(false);
    expect(await replay.record(k2, jti(1), NOW_MS + 1_000)).toBe(false);
    expect(replay.size()).toBe(2);
  });

  it("fails closed at the ceiling when every entry is still live", async () => {
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock, maxEntries: 100 });
    const kid = newKeyId();
    for (let i = 0; i < 100; i++) expect(await replay.record(kid, jti(i), NOW_MS + 60_000)).toBe(true);
    expect(replay.size()).toBe(100);

    const error = await replay.record(kid, jti(100), NOW_MS + 60_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifierUnavailableError);
    expect((error as VerifierUnavailableError).code).toBe("verifier_unavailable");
    expect(replay.size()).toBe(100);

    // a replay of a live token is still recognised as one, not forgotten
    expect(await replay.record(kid, jti(5), NOW_MS + 60_000)).toBe(false);
    // and nothing was evicted to make room
    clock.advance(59_999);
    await expect(replay.record(kid, jti(101), NOW_MS + 120_000)).rejects.toBeInstanceOf(
      VerifierUnavailableError,
    );
    for (let i = 0; i < 100; i++) expect(await replay.record(kid, jti(i), NOW_MS + 60_000)).toBe(false);
  });

  it("at the ceiling, evicts expired entries and keeps recording", async () => {
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock, maxEntries: 100 });
    const kid = newKeyId();
    for (let i = 0; i < 60; i++) await replay.record(kid, jti(i), NOW_MS + 1_000);
    for (let i = 60; i < 100; i++) await replay.record(kid, jti(i), NOW_MS + 60_000);
    expect(replay.size()).toBe(100);

    clock.set(NOW_MS + 1_000);
    for (let i = 100; i < 160; i++) expect(await replay.record(kid, jti(i), NOW_MS + 60_000)).toBe(true);
    expect(replay.size()).toBeLessThanOrEqual(100);
    // the live ones are all still remembered
    for (let i = 60; i < 160; i++) expect(await replay.record(kid, jti(i), NOW_MS + 60_000)).toBe(false);
    await expect(replay.record(kid, jti(160), NOW_MS + 60_000)).rejects.toBeInstanceOf(
      VerifierUnavailableError,
    );
  });

  it("at the ceiling, evicts expired entries even when a longer-lived entry arrived before them", async () => {
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock, maxEntries: 100 });
    const kid = newKeyId();
    // a 300 s token first, then 99 tokens of 10 s: expiry is not in arrival order
    await replay.record(kid, jti(0), NOW_MS + 300_000);
    for (let i = 1; i < 100; i++) await replay.record(kid, jti(i), NOW_MS + 10_000);

    clock.set(NOW_MS + 10_000);
    for (let i = 100; i < 199; i++) expect(await replay.record(kid, jti(i), NOW_MS + 70_000)).toBe(true);
    expect(replay.size()).toBe(100);
    expect(await replay.record(kid, jti(0), NOW_MS + 300_000)).toBe(false);
    for (let i = 100; i < 199; i++) expect(await replay.record(kid, jti(i), NOW_MS + 70_000)).toBe(false);
    await expect(replay.record(kid, jti(199), NOW_MS + 70_000)).rejects.toBeInstanceOf(
      VerifierUnavailableError,
    );

    // when those expire too, room opens again
    clock.set(NOW_MS + 70_000);
    expect(await replay.record(kid, jti(199), NOW_MS + 130_000)).toBe(true);
  });

  it("never holds more than maxEntries while recording 100,000 distinct jtis on an advancing clock", async () => {
    const clock = fixedClock(NOW_MS);
    const replay = createMemoryReplayStore({ clock, maxEntries: 1_000 });
    const kid = newKeyId();
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      clock.advance(1);
      // lifetimes vary (300 to 900 ms), so expiry is only roughly in arrival order
      const lifetime = 300 + ((i * 7_919) % 601);
      expect(await replay.record(kid, jti(i), clock.now() + lifetime)).toBe(true);
      max = Math.max(max, replay.size());
    }
    expect(max).toBeLessThanOrEqual(1_000);
    expect(replay.size()).toBeLessThanOrEqual(1_000);
    // the most recent tokens are still refused as replays
    for (let i = 99_990; i < 100_000; i++)
      expect(await replay.record(kid, jti(i), clock.now() + 300)).toBe(false);
  });
});
