import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fixedClock, systemClock } from "../../src/core/clock.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { startChangeFeed } from "../../src/store/change-feed.js";
import { createKeyCache } from "../../src/store/key-cache.js";
import type { KeyRecord, Store } from "../../src/store/ports.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { freshSqlite } from "../support/sqlite.js";
import { countingKeys, NOW_MS, seedAccount, seedKey } from "./support.js";

/** Long enough that the feed's own timer never fires during a pollOnce test. */
const NEVER = 3_600_000;

describe("change feed over SQLite", () => {
  let dir: string;
  let server: Store; // the serving process
  let cli: Store; // another process writing the same database file
  let feeds: Array<{ stop(): void }>;

  beforeEach(async () => {
    const db = freshSqlite();
    dir = db.dir;
    server = await openSqliteStore(db.url);
    cli = await openSqliteStore(db.url);
    feeds = [];
  });

  afterEach(async () => {
    for (const feed of feeds) feed.stop();
    await server.close();
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function seed(createdAt: Date): Promise<KeyRecord> {
    const accountId = await seedAccount(cli, createdAt);
    return (await seedKey(cli, accountId, createdAt)).record;
  }

  it("pollOnce invalidates a key another process revoked, and the cache reloads the revoked state", async () => {
    const clock = fixedClock(NOW_MS);
    const record = await seed(new Date(NOW_MS - 60_000));
    const keys = countingKeys(server.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });
    const feed = startChangeFeed({ keys: server.keys, cache, clock, intervalMs: NEVER });
    feeds.push(feed);

    expect((await cache.resolve(record.id))?.key.revokedAt).toBeNull();

    const revokedAt = NOW_MS + 10;
    clock.set(revokedAt);
    await cli.keys.update(record.id, { revokedAt: new Date(revokedAt), updatedAt: new Date(revokedAt) });

    // the cache does not know yet (its TTL is far off on this frozen clock)
    expect((await cache.resolve(record.id))?.key.revokedAt).toBeNull();
    expect(keys.gets).toHaveLength(1);

    await feed.pollOnce();
    expect(cache.stats().entries).toBe(0);
    expect((await cache.resolve(record.id))?.key.revokedAt).toBe(revokedAt);
    expect(keys.gets).toHaveLength(2);

    // a later poll that sees the same change again does not evict the fresh entry
    await feed.pollOnce();
    await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(2);
  });

  it("pollOnce leaves unchanged keys cached", async () => {
    const clock = fixedClock(NOW_MS);
    const record = await seed(new Date(NOW_MS - 60_000));
    const keys = countingKeys(server.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });
    const feed = startChangeFeed({ keys: server.keys, cache, clock, intervalMs: NEVER });
    feeds.push(feed);

    await cache.resolve(record.id);
    await feed.pollOnce();
    await feed.pollOnce();
    await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(1);
    expect(cache.stats().entries).toBe(1);
  });

  it("on its own timer, a revocation by another process is seen within 1 s", async () => {
    const record = await seed(new Date(Date.now() - 60_000));
    const cache = createKeyCache({
      keys: server.keys,
      signatures: joseSignatureVerifier,
      clock: systemClock,
    });
    feeds.push(startChangeFeed({ keys: server.keys, cache, clock: systemClock, intervalMs: 50 }));

    expect((await cache.resolve(record.id))?.key.revokedAt).toBeNull();
    const now = new Date();
    await cli.keys.update(record.id, { revokedAt: now, updatedAt: now });

    await expect
      .poll(async () => (await cache.resolve(record.id))?.key.revokedAt ?? null, {
        timeout: 1_000,
        interval: 20,
      })
      .toBe(now.getTime());
  });

  it("clears the cache when changedSince fails, reports the first failure, and keeps going", async () => {
    const clock = fixedClock(NOW_MS);
    const record = await seed(new Date(NOW_MS - 60_000));
    const keys = countingKeys(server.keys);
    const cache = createKeyCache({ keys, signatures: joseSignatureVerifier, clock });
    const outage = new Error("SQLITE_BUSY: database is locked");
    let failing = true;
    const onError = vi.fn();
    const feed = startChangeFeed({
      keys: {
        ...server.keys,
        changedSince: async (since) => {
          if (failing) throw outage;
          return server.keys.changedSince(since);
        },
      },
      cache,
      clock,
      intervalMs: NEVER,
      onError,
    });
    feeds.push(feed);

    await cache.resolve(record.id);
    expect(cache.stats().entries).toBe(1);

    await expect(feed.pollOnce()).resolves.toBeUndefined();
    expect(cache.stats()).toEqual({ entries: 0, negative: 0 });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(outage);

    // the next lookup goes to the store again
    await cache.resolve(record.id);
    expect(keys.gets).toHaveLength(2);

    // a second failure clears again but is not reported again
    await feed.pollOnce();
    expect(cache.stats().entries).toBe(0);
    expect(onError).toHaveBeenCalledTimes(1);

    // once polling works again, cached keys stay cached
    failing = false;
    await cache.resolve(record.id);
    await feed.pollOnce();
    expect(cache.stats().entries).toBe(1);
  });
});
