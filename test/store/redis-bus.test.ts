/**
 * Revocation fan-out over Redis pub/sub between two "instances" (each its own connections and
 * key cache, sharing one store as two processes share one database). The caches run on a
 * frozen clock, so nothing but the bus can make them reload.
 */
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { VerifierUnavailableError } from "../../src/core/errors.js";
import { newKeyId } from "../../src/core/ids.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { createKeyCache, type KeyCache } from "../../src/store/key-cache.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import type { Store } from "../../src/store/ports.js";
import { closeRedis, createRedisConnection, whenReady } from "../../src/store/redis/connection.js";
import { type KeyBus, startRedisKeyBus } from "../../src/store/redis/redis-key-bus.js";
import { createRedisReplayStore } from "../../src/store/redis/redis-replay-store.js";
import {
  needRedis,
  needRedisServer,
  REDIS_URL,
  type RedisServer,
  skippedSuite,
  startRedisServer,
} from "../support/services.js";
import { countingKeys, NOW_MS, seedAccount, seedKey } from "./support.js";

interface Instance {
  cache: KeyCache;
  bus: KeyBus;
  commands: Redis;
  gets: string[];
  missed: number;
  close(): Promise<void>;
}

async function startInstance(store: Store, redisUrl: string, channel: string): Promise<Instance> {
  const keys = countingKeys(store.keys);
  const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock: fixedClock(NOW_MS) });
  const commands = createRedisConnection(redisUrl, { role: "commands" });
  const subscriber = createRedisConnection(redisUrl, { role: "subscriber" });
  expect(await whenReady(commands, 5_000)).toBe(true);
  const instance = {
    cache,
    commands,
    gets: keys.gets,
    missed: 0,
  } as Instance;
  instance.bus = await startRedisKeyBus({
    publisher: commands,
    subscriber,
    channel,
    onKeyChanged: (keyId) => cache.invalidate(keyId),
    onMissedMessages: () => {
      instance.missed++;
      cache.clear();
    },
  });
  instance.close = async () => {
    await instance.bus.close();
    await closeRedis(commands);
  };
  return instance;
}

/** Polls `check` until it holds or `withinMs` passes; resolves with the elapsed ms, or throws. */
async function within(withinMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > withinMs)
      throw new Error(`${what} did not happen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const revoke = (store: Store, id: string) =>
  store.keys.update(id, { revokedAt: new Date(NOW_MS + 1), updatedAt: new Date(NOW_MS + 1) });

const channel = () => `signet:key-changed:test:${crypto.randomUUID()}`;

if (await needRedis()) {
  describe("Redis key bus: fan-out between instances", () => {
    const instances: Instance[] = [];
    afterEach(async () => {
      for (const instance of instances.splice(0)) await instance.close();
    });

    it("a change published by A makes B (and A) reload the key within 1 s", async () => {
      const store = createMemoryStore();
      const accountId = await seedAccount(store);
      const { record } = await seedKey(store, accountId);
      const name = channel();
      const [a, b] = [
        await startInstance(store, REDIS_URL, name),
        await startInstance(store, REDIS_URL, name),
      ];
      instances.push(a, b);

      expect((await a.cache.resolve(record.id))?.key.revokedAt).toBeNull();
      expect((await b.cache.resolve(record.id))?.key.revokedAt).toBeNull();
      await revoke(store, record.id);
      // nothing told the caches yet: both still serve what they loaded
      expect((await b.cache.resolve(record.id))?.key.revokedAt).toBeNull();
      expect(b.gets).toEqual([record.id]);

      await a.bus.publish(record.id);
      const elapsed = await within(1_000, "B dropping the revoked key", async () => {
        return (await b.cache.resolve(record.id))?.key.revokedAt === NOW_MS + 1;
      });
      console.log(`key bus: B reloaded the revoked key ${elapsed.toFixed(1)} ms after A published`);
      // the publisher hears its own message too
      await within(1_000, "A dropping the revoked key", async () => {
        return (await a.cache.resolve(record.id))?.key.revokedAt === NOW_MS + 1;
      });
      expect(b.gets).toEqual([record.id, record.id]);
    });

    it("only the named key is dropped; other channels are not heard", async () => {
      const store = createMemoryStore();
      const accountId = await seedAccount(store);
      const [k1, k2] = [(await seedKey(store, accountId)).record, (await seedKey(store, accountId)).record];
      const name = channel();
      const a = await startInstance(store, REDIS_URL, name);
      const b = await startInstance(store, REDIS_URL, name);
      const elsewhere = await startInstance(store, REDIS_URL, channel());
      instances.push(a, b, elsewhere);
      for (const instance of [b, elsewhere]) {
        await instance.cache.resolve(k1.id);
        await instance.cache.resolve(k2.id);
      }
      await a.bus.publish(k1.id);
      await within(1_000, "B dropping k1", async () => b.cache.stats().entries === 1);
      await b.cache.resolve(k2.id);
      expect(b.gets.filter((id) => id === k2.id)).toHaveLength(1);
      expect(elsewhere.cache.stats().entries).toBe(2);
      expect(b.missed).toBe(0);
    });
  });
} else {
  skippedSuite("Redis key bus: fan-out between instances", "needs Redis");
}

if (await needRedisServer()) {
  describe("Redis key bus and replay store: Redis dies, then comes back", () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("clears the caches when the subscription drops, fails closed while down, recovers after", async () => {
      const store = createMemoryStore();
      const accountId = await seedAccount(store);
      const [k1, k2] = [(await seedKey(store, accountId)).record, (await seedKey(store, accountId)).record];
      const name = channel();
      const a = await startInstance(store, server.url, name);
      const b = await startInstance(store, server.url, name);
      try {
        const replay = createRedisReplayStore({ redis: b.commands });
        expect(await replay.record(newKeyId(), "jti-1", Date.now() + 60_000)).toBe(true);
        await b.cache.resolve(k1.id);
        expect(b.cache.stats().entries).toBe(1);

        await server.kill();
        // messages may be lost while disconnected, so the cache is emptied at once
        await within(2_000, "B clearing its cache", async () => b.cache.stats().entries === 0);
        expect(b.missed).toBeGreaterThan(0);
        // commands fail at once instead of queueing: the verifier turns this into a 503
        await expect(replay.record(newKeyId(), "jti-2", Date.now() + 60_000)).rejects.toBeInstanceOf(
          VerifierUnavailableError,
        );
        await expect(a.bus.publish(k1.id)).rejects.toThrow();

        await server.start();
        await within(10_000, "the replay store working again", async () =>
          replay.record(newKeyId(), `jti-${crypto.randomUUID()}`, Date.now() + 60_000).catch(() => false),
        );
        // the subscriptions are back: a change published by A reaches B again
        await within(10_000, "both subscriptions restored", async () => {
          const reply = (await a.commands.pubsub("NUMSUB", name).catch(() => [])) as unknown[];
          return Number(reply[1]) === 2;
        });
        await b.cache.resolve(k2.id);
        const loads = b.gets.filter((id) => id === k2.id).length;
        const missed = b.missed;
        await revoke(store, k2.id);
        await a.bus.publish(k2.id);
        await within(1_000, "B hearing A again", async () => {
          return (await b.cache.resolve(k2.id))?.key.revokedAt === NOW_MS + 1;
        });
        expect(b.gets.filter((id) => id === k2.id)).toHaveLength(loads + 1);
        expect(b.missed).toBe(missed); // it was the message, not a reconnect, that dropped it
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
} else {
  skippedSuite("Redis key bus: Redis dies, then comes back", "needs redis-server");
}
