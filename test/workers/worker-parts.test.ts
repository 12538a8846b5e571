/** The Workers pieces that need no workerd: sharding, the worker's config and its logger. */
import { describe, expect, it, vi } from "vitest";
import {
  createConsoleLogger,
  DEFAULT_KEY_CACHE_TTL_SECONDS,
  loadWorkerConfig,
} from "../../src/entry/worker-app.js";
import {
  createDurableReplayStore,
  DEFAULT_REPLAY_SHARDS,
  fnv1a,
  replayShardName,
  replayShardOf,
} from "../../src/store/durable/replay-store.js";

describe("replay sharding", () => {
  it("FNV-1a matches the published 32-bit test values", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("spreads one hot key's tokens over every shard, evenly", () => {
    const counts = new Array<number>(DEFAULT_REPLAY_SHARDS).fill(0);
    const kid = "key_0123456789ABCDEFGHJKMNPQRS";
    for (let i = 0; i < 32_000; i++) {
      const jti = `jti-${i.toString(36).padStart(12, "0")}-${(i * 7919).toString(36)}`;
      counts[replayShardOf(kid, jti, DEFAULT_REPLAY_SHARDS)]! += 1;
    }
    expect(counts.every((n) => n > 0)).toBe(true);
    // 1,000 expected per shard; a fair spread stays well inside ±25 %
    expect(Math.min(...counts)).toBeGreaterThan(750);
    expect(Math.max(...counts)).toBeLessThan(1250);
  });

  it("sends a pair to the same shard every time, and the pair's parts are not confused", () => {
    expect(replayShardOf("key_A", "jti-1", 32)).toBe(replayShardOf("key_A", "jti-1", 32));
    // "ab"+"c" and "a"+"bc" must not collide by construction
    expect(fnv1a("ab\u0000c")).not.toBe(fnv1a("a\u0000bc"));
  });

  it("asks the shard's Durable Object, names it by shard, and reuses ids", async () => {
    const named: string[] = [];
    const calls: Array<[string, string, number]> = [];
    const seen = new Set<string>();
    const namespace = {
      idFromName(name: string) {
        named.push(name);
        return { name };
      },
      get(id: never) {
        const { name } = id as { name: string };
        return {
          async record(kid: string, jti: string, expiresAt: number) {
            calls.push([name, `${kid} ${jti}`, expiresAt]);
            const entry = `${name}|${kid}|${jti}`;
            if (seen.has(entry)) return false;
            seen.add(entry);
            return true;
          },
        };
      },
    };
    const store = createDurableReplayStore({ namespace, shards: 8 });
    expect(await store.record("key_A", "jti-0000000000000001", 1_000.4)).toBe(true);
    expect(await store.record("key_A", "jti-0000000000000001", 1_000)).toBe(false);
    const shard = replayShardOf("key_A", "jti-0000000000000001", 8);
    expect(calls.map((c) => c[0])).toEqual([replayShardName(shard), replayShardName(shard)]);
    expect(calls[0]?.[2]).toBe(1_001); // whole milliseconds, rounded up: never forget early
    expect(named).toEqual([replayShardName(shard)]);
  });

  it("fails (so the verifier fails closed) when the shard cannot be reached", async () => {
    const store = createDurableReplayStore({
      namespace: {
        idFromName: () => ({}),
        get: () => ({
          record: () => Promise.reject(new Error("Durable Object is overloaded")),
        }),
      },
    });
    await expect(store.record("key_A", "jti-0000000000000001", 1)).rejects.toThrow("overloaded");
  });

  it.each([0, 1025, 1.5, Number.NaN])("refuses %s shards", (shards) => {
    expect(() =>
      createDurableReplayStore({
        namespace: { idFromName: () => ({}), get: () => ({ record: async () => true }) },
        shards,
      }),
    ).toThrow(/shards/);
  });
});

describe("the worker's config (wrangler.toml vars)", () => {
  it("reads the vars with the Node rules and the Workers defaults", () => {
    expect(loadWorkerConfig({ SIGNET_PUBLIC_URL: "https://api.example.com/" })).toEqual({
      publicUrl: "https://api.example.com",
      audience: "https://api.example.com",
      clockSkew: 60,
      maxLifetime: 300,
      keyCacheTtlSeconds: DEFAULT_KEY_CACHE_TTL_SECONDS,
      replayShards: 32,
      log: "json",
    });
    expect(DEFAULT_KEY_CACHE_TTL_SECONDS).toBeLessThanOrEqual(10);
  });

  it("accepts numbers where wrangler.toml has unquoted values", () => {
    const config = loadWorkerConfig({
      SIGNET_PUBLIC_URL: "https://api.example.com",
      SIGNET_AUDIENCE: "urn:example:api",
      SIGNET_CLOCK_SKEW: 30,
      SIGNET_MAX_LIFETIME: 120,
      SIGNET_KEY_CACHE_TTL: 2,
      SIGNET_REPLAY_SHARDS: 64,
      SIGNET_LOG: "silent",
    });
    expect(config).toMatchObject({
      audience: "urn:example:api",
      clockSkew: 30,
      maxLifetime: 120,
      keyCacheTtlSeconds: 2,
      replayShards: 64,
      log: "silent",
    });
  });

  it.each([
    [{}, /^SIGNET_PUBLIC_URL: required/],
    [{ SIGNET_PUBLIC_URL: "https://api.example.com/v1" }, /^SIGNET_PUBLIC_URL: /],
    [{ SIGNET_PUBLIC_URL: "https://a.example", SIGNET_KEY_CACHE_TTL: "0" }, /^SIGNET_KEY_CACHE_TTL: /],
    [{ SIGNET_PUBLIC_URL: "https://a.example", SIGNET_KEY_CACHE_TTL: "61" }, /^SIGNET_KEY_CACHE_TTL: /],
    [{ SIGNET_PUBLIC_URL: "https://a.example", SIGNET_REPLAY_SHARDS: "2000" }, /^SIGNET_REPLAY_SHARDS: /],
    [{ SIGNET_PUBLIC_URL: "https://a.example", SIGNET_MAX_LIFETIME: "301" }, /^SIGNET_MAX_LIFETIME: /],
  ])("refuses %j with one line naming the variable", (vars, message) => {
    expect(() => loadWorkerConfig(vars)).toThrow(message);
  });
});

describe("the worker's console logger", () => {
  it("writes JSON lines through console, errors to console.error", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const logger = createConsoleLogger("json");
      logger.info("request", { status: 200 });
      logger.error("verifier unavailable", { cause: "timeout" });
      expect(JSON.parse(String(log.mock.calls[0]?.[0]))).toMatchObject({
        level: "info",
        message: "request",
        status: 200,
      });
      expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toMatchObject({
        level: "error",
        cause: "timeout",
      });
      createConsoleLogger("silent").error("nothing");
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});
