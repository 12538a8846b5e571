/**
 * One replay-store suite, run on every implementation: in-memory (one process), SQL (the
 * replay_entries table on SQLite and PostgreSQL) and Redis (SET NX PXAT). Whatever the backend:
 * the first use wins, a second is refused until expiry, and of many simultaneous uses of one
 * (kid, jti), on one connection or several instances' connections, exactly one wins.
 */
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Clock, fixedClock, systemClock } from "../../src/core/clock.js";
import { VerifierUnavailableError } from "../../src/core/errors.js";
import { newKeyId } from "../../src/core/ids.js";
import type { ReplayStore } from "../../src/core/verifier.js";
import { createMemoryReplayStore } from "../../src/store/memory/memory-replay-store.js";
import type { Store } from "../../src/store/ports.js";
import { openPostgresStore } from "../../src/store/prisma/postgres.js";
import { createSqlReplayStore, type SqlReplayStore, sqlOf } from "../../src/store/prisma/sql-replay-store.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { closeRedis, createRedisConnection, whenReady } from "../../src/store/redis/connection.js";
import { createRedisReplayStore } from "../../src/store/redis/redis-replay-store.js";
import {
  createTestDatabase,
  freePort,
  needPostgres,
  needRedis,
  REDIS_URL,
  skippedSuite,
  type TestDatabase,
} from "../support/services.js";
import { freshSqlite } from "../support/sqlite.js";

/** Time as a backend sees it: a frozen clock we move, or the real one we wait for (Redis). */
interface Time {
  clock: Clock;
  /** Returns once the backend's time is past `ms`. */
  passTo(ms: number): Promise<void>;
  /** True when time can be set to the exact millisecond (boundary tests). */
  exact: boolean;
}

function frozenTime(): Time {
  const clock = fixedClock(Date.now());
  return {
    clock,
    exact: true,
    async passTo(ms) {
      clock.set(ms);
    },
  };
}

const realTime = (): Time => ({
  clock: systemClock,
  exact: false,
  async passTo(ms) {
    while (Date.now() <= ms + 5) await new Promise((resolve) => setTimeout(resolve, ms + 10 - Date.now()));
  },
});

interface Opened {
  replay: ReplayStore;
  close(): Promise<void>;
}

interface Backend {
  time(): Time;
  /** Whether two opened stores share state (true for SQL and Redis: that is the point of them). */
  shared: boolean;
  /** Per test: a fresh place to keep entries; `open` may be called several times (instances). */
  begin(time: Time): Promise<{ open(): Promise<Opened>; end(): Promise<void> }>;
  /** A store whose backend cannot be reached. */
  unreachable?: (time: Time) => Promise<Opened>;
}

/** Long enough that a loaded machine never crosses it between two calls of one test. */
const LIFETIME_MS = 2_000;

const jti = (): string => `jti-${crypto.randomUUID()}`;

function replayConformance(name: string, backend: Backend): void {
  describe(`Replay store conformance: ${name}`, () => {
    let time: Time;
    let session: Awaited<ReturnType<Backend["begin"]>>;
    const opened: Opened[] = [];
    const open = async (): Promise<ReplayStore> => {
      const handle = await session.open();
      opened.push(handle);
      return handle.replay;
    };

    beforeEach(async () => {
      time = backend.time();
      session = await backend.begin(time);
    });

    afterEach(async () => {
      for (const handle of opened.splice(0)) await handle.close();
      await session.end();
    });

    it("accepts the first use of a (kid, jti) and refuses the second", async () => {
      const replay = await open();
      const kid = newKeyId();
      const id = jti();
      const expiresAt = time.clock.now() + LIFETIME_MS;
      expect(await replay.record(kid, id, expiresAt)).toBe(true);
      expect(await replay.record(kid, id, expiresAt)).toBe(false);
      expect(await replay.record(kid, id, expiresAt + 60_000)).toBe(false);
    });

    it("keeps keys apart and jtis apart", async () => {
      const replay = await open();
      const [k1, k2] = [newKeyId(), newKeyId()];
      const [j1, j2] = [jti(), jti()];
      const expiresAt = time.clock.now() + LIFETIME_MS;
      expect(await replay.record(k1, j1, expiresAt)).toBe(true);
      expect(await replay.record(k2, j1, expiresAt)).toBe(true);
      expect(await replay.record(k1, j2, expiresAt)).toBe(true);
      expect(await replay.record(k1, j1, expiresAt)).toBe(false);
      expect(await replay.record(k2, j1, expiresAt)).toBe(false);
      expect(await replay.record(k1, j2, expiresAt)).toBe(false);
    });

    it("forgets a pair once it expires: accepted again, then refused again", async () => {
      const replay = await open();
      const kid = newKeyId();
      const id = jti();
      const expiresAt = time.clock.now() + LIFETIME_MS;
      expect(await replay.record(kid, id, expiresAt)).toBe(true);
      expect(await replay.record(kid, id, expiresAt)).toBe(false);

      await time.passTo(expiresAt);
      const again = time.clock.now() + LIFETIME_MS;
      expect(await replay.record(kid, id, again)).toBe(true);
      expect(await replay.record(kid, id, again)).toBe(false);
    });

    it("refuses up to the last millisecond before expiry and accepts at it", async (context) => {
      if (!time.exact) context.skip(); // real time cannot be held at a boundary
      const replay = await open();
      const kid = newKeyId();
      const id = jti();
      const expiresAt = time.clock.now() + LIFETIME_MS;
      expect(await replay.record(kid, id, expiresAt)).toBe(true);
      await time.passTo(expiresAt - 1);
      expect(await replay.record(kid, id, expiresAt + LIFETIME_MS)).toBe(false);
      await time.passTo(expiresAt);
      expect(await replay.record(kid, id, expiresAt + LIFETIME_MS)).toBe(true);
    });

    it("of 50 parallel records of one jti, exactly one wins", async () => {
      const replay = await open();
      const kid = newKeyId();
      const id = jti();
      const expiresAt = time.clock.now() + LIFETIME_MS;
      const results = await Promise.all(Array.from({ length: 50 }, () => replay.record(kid, id, expiresAt)));
      expect(results.filter((won) => won)).toHaveLength(1);
      expect(results.filter((won) => !won)).toHaveLength(49);
    });

    it("of 50 parallel records of one jti spread over two instances, exactly one wins", async (context) => {
      if (!backend.shared) context.skip(); // separate processes' memories are not shared, by design
      const [a, b] = [await open(), await open()];
      const kid = newKeyId();
      const ids = Array.from({ length: 5 }, jti);
      const expiresAt = time.clock.now() + LIFETIME_MS;
      for (const id of ids) {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).record(kid, id, expiresAt)),
        );
        expect(results.filter((won) => won)).toHaveLength(1);
      }
      // and each instance sees the other's entries
      expect(await a.record(kid, ids[0] as string, expiresAt)).toBe(false);
      expect(await b.record(kid, ids[1] as string, expiresAt)).toBe(false);
    });

    it("fails closed with verifier_unavailable when its backend is unreachable", async (context) => {
      if (!backend.unreachable) context.skip(); // memory has no backend to lose
      const handle = await (backend.unreachable as NonNullable<Backend["unreachable"]>)(time);
      opened.push(handle);
      const error = await handle.replay
        .record(newKeyId(), jti(), time.clock.now() + LIFETIME_MS)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VerifierUnavailableError);
      expect((error as VerifierUnavailableError).code).toBe("verifier_unavailable");
    });
  });
}

/** Opens the SQL replay store on a Prisma store; closing closes both. */
function sqlOpened(store: Store, time: Time): Opened & { sql: SqlReplayStore } {
  const access = sqlOf(store);
  if (!access) throw new Error(`${store.kind} store has no SQL access`);
  const sql = createSqlReplayStore({ sql: access, clock: time.clock, cleanupIntervalMs: 0 });
  return {
    replay: sql,
    sql,
    async close() {
      sql.close();
      await store.close();
    },
  };
}

replayConformance("memory", {
  time: frozenTime,
  shared: false,
  async begin(time) {
    return {
      open: async () => ({ replay: createMemoryReplayStore({ clock: time.clock }), close: async () => {} }),
      end: async () => {},
    };
  },
});

replayConformance("SQL on SQLite", {
  time: frozenTime,
  shared: true,
  async begin(time) {
    const db = freshSqlite();
    return {
      open: async () => sqlOpened(await openSqliteStore(db.url), time),
      end: async () => rmSync(db.dir, { recursive: true, force: true }),
    };
  },
  async unreachable(time) {
    // a database without the replay table: every statement fails
    const db = freshSqlite();
    const store = await openSqliteStore(db.url);
    await sqlOf(store)?.client.$executeRawUnsafe("DROP TABLE replay_entries");
    const opened = sqlOpened(store, time);
    return {
      replay: opened.replay,
      async close() {
        await opened.close();
        rmSync(db.dir, { recursive: true, force: true });
      },
    };
  },
});

describe("SQL replay store: cleanup", () => {
  it("deletes expired rows and keeps live ones (SQLite)", async () => {
    const db = freshSqlite();
    const time = frozenTime();
    const opened = sqlOpened(await openSqliteStore(db.url), time);
    try {
      const kid = newKeyId();
      const now = time.clock.now();
      for (let i = 0; i < 10; i++) await opened.sql.record(kid, `old-${i}`, now + 1_000);
      for (let i = 0; i < 5; i++) await opened.sql.record(kid, `new-${i}`, now + 10_000);
      expect(await opened.sql.cleanup()).toBe(0);
      await time.passTo(now + 1_000);
      expect(await opened.sql.cleanup()).toBe(10);
      expect(await opened.sql.cleanup()).toBe(0);
      // the live ones are still refused
      for (let i = 0; i < 5; i++) expect(await opened.sql.record(kid, `new-${i}`, now + 10_000)).toBe(false);
    } finally {
      await opened.close();
      rmSync(db.dir, { recursive: true, force: true });
    }
  });
});

const postgres = await needPostgres();
if (postgres) {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("replay");
  });
  afterAll(async () => {
    await db?.drop();
  });

  replayConformance("SQL on PostgreSQL", {
    time: frozenTime,
    shared: true,
    async begin(time) {
      return { open: async () => sqlOpened(await openPostgresStore(db.url), time), end: async () => {} };
    },
    async unreachable(time) {
      // nothing listens on this port
      const url = new URL(db.url);
      url.port = String(await freePort());
      return sqlOpened(await openPostgresStore(url.toString()), time);
    },
  });

  describe("SQL replay store: cleanup (PostgreSQL)", () => {
    it("deletes expired rows and keeps live ones", async () => {
      const time = frozenTime();
      const opened = sqlOpened(await openPostgresStore(db.url), time);
      try {
        const kid = newKeyId();
        const now = time.clock.now();
        await db.truncate();
        for (let i = 0; i < 10; i++) await opened.sql.record(kid, `old-${i}`, now + 1_000);
        for (let i = 0; i < 5; i++) await opened.sql.record(kid, `new-${i}`, now + 10_000);
        expect(await opened.sql.cleanup()).toBe(0);
        await time.passTo(now + 1_000);
        expect(await opened.sql.cleanup()).toBe(10);
        for (let i = 0; i < 5; i++)
          expect(await opened.sql.record(kid, `new-${i}`, now + 10_000)).toBe(false);
      } finally {
        await opened.close();
      }
    });
  });
} else {
  skippedSuite("Replay store conformance: SQL on PostgreSQL", "needs PostgreSQL");
}

const redis = await needRedis();
if (redis) {
  const openRedis = async (url: string, wait = true): Promise<Opened> => {
    const connection = createRedisConnection(url, { role: "commands" });
    if (wait && !(await whenReady(connection, 5_000))) throw new Error(`Redis at ${url} is not ready`);
    return { replay: createRedisReplayStore({ redis: connection }), close: () => closeRedis(connection) };
  };

  replayConformance("Redis", {
    time: realTime,
    shared: true,
    async begin() {
      return { open: () => openRedis(REDIS_URL), end: async () => {} };
    },
    async unreachable() {
      return openRedis(`redis://127.0.0.1:${await freePort()}`, false);
    },
  });

  describe("Redis replay store: the key and its expiry", () => {
    it("stores signet:replay:<kid>:<jti> expiring at exactly expiresAt", async () => {
      const connection = createRedisConnection(REDIS_URL, { role: "commands" });
      try {
        expect(await whenReady(connection, 5_000)).toBe(true);
        const replay = createRedisReplayStore({ redis: connection });
        const kid = newKeyId();
        const id = jti();
        const expiresAt = Date.now() + 30_000;
        expect(await replay.record(kid, id, expiresAt)).toBe(true);
        const key = `signet:replay:${kid}:${id}`;
        expect(await connection.get(key)).toBe("1");
        expect(Number(await connection.call("PEXPIRETIME", key))).toBe(expiresAt);
        await connection.del(key);
      } finally {
        await closeRedis(connection);
      }
    });
  });
} else {
  skippedSuite("Replay store conformance: Redis", "needs Redis");
}
