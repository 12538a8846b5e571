/**
 * The console's store ports (users, passkeys, sessions, sign-in links, WebAuthn challenges,
 * rate-limit counters): one suite, run on memory, SQLite and (when it runs) PostgreSQL.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newUserId } from "../../src/console/tokens.js";
import { UniqueViolation } from "../../src/store/errors.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import type { SessionStore, Store, UserRecord, UserStore } from "../../src/store/ports.js";
import { openPostgresStore } from "../../src/store/prisma/postgres.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { NOW_MS, seedAccount } from "../store/support.js";
import { createTestDatabase, needPostgres, skippedSuite, type TestDatabase } from "../support/services.js";
import { freshSqlite } from "../support/sqlite.js";

const at = (offsetMs = 0) => new Date(NOW_MS + offsetMs);

function consoleStoreSuite(name: string, open: () => Promise<Store>): void {
  describe(`console stores: ${name}`, () => {
    let store: Store;
    let users: UserStore;
    let sessions: SessionStore;
    let accountId: string;

    let seeded = 0;
    async function seedUser(
      email = `u${Math.random().toString(36).slice(2)}@example.test`,
    ): Promise<UserRecord> {
      seeded++;
      return users.create({
        id: newUserId(),
        accountId,
        email,
        role: "member",
        passwordHash: null,
        createdBy: "cli",
        createdAt: at(seeded),
        updatedAt: at(seeded),
        lastSignInAt: null,
      });
    }

    beforeEach(async () => {
      store = await open();
      if (!store.users || !store.sessions) throw new Error(`${name} has no console stores`);
      users = store.users;
      sessions = store.sessions;
      accountId = await seedAccount(store);
      return () => store.close();
    });

    it("creates users with unique emails and finds them by id, email and account", async () => {
      const alice = await seedUser("alice@example.test");
      await expect(seedUser("alice@example.test")).rejects.toBeInstanceOf(UniqueViolation);
      expect(await users.get(alice.id)).toEqual(alice);
      expect(await users.getByEmail("alice@example.test")).toEqual(alice);
      expect(await users.getByEmail("nobody@example.test")).toBeNull();
      const bob = await seedUser("bob@example.test");
      expect((await users.listByAccount(accountId)).map((u) => u.email)).toEqual([alice.email, bob.email]);
      const updated = await users.update(alice.id, {
        role: "owner",
        passwordHash: "$argon2id$x",
        updatedAt: at(5),
      });
      expect(updated).toMatchObject({ role: "owner", passwordHash: "$argon2id$x", updatedAt: at(5) });
      expect(await users.update(newUserId(), { updatedAt: at() })).toBeNull();
    });

    it("keeps passkeys (public keys and counters) and removes them only for their owner", async () => {
      const alice = await seedUser();
      const bob = await seedUser();
      const passkey = {
        id: "cred-id_1",
        userId: alice.id,
        publicKey: "pQECAyYgASFYIA",
        counter: 0,
        transports: ["internal"],
        name: "Laptop",
        createdAt: at(),
        lastUsedAt: null,
      };
      await users.addPasskey(passkey);
      await expect(users.addPasskey({ ...passkey, userId: bob.id })).rejects.toBeInstanceOf(UniqueViolation);
      expect(await users.getPasskey("cred-id_1")).toEqual(passkey);
      await users.recordPasskeyUse("cred-id_1", 4_000_000_000, at(10));
      expect(await users.getPasskey("cred-id_1")).toMatchObject({
        counter: 4_000_000_000,
        lastUsedAt: at(10),
      });
      expect(await users.listPasskeys(alice.id)).toHaveLength(1);
      expect(await users.deletePasskey(bob.id, "cred-id_1")).toBe(false);
      expect(await users.deletePasskey(alice.id, "cred-id_1")).toBe(true);
      expect(await users.getPasskey("cred-id_1")).toBeNull();
    });

    it("deleting a user takes their sessions, passkeys and links with them", async () => {
      const alice = await seedUser();
      await sessions.create({
        idHash: "h1",
        userId: alice.id,
        createdAt: at(),
        lastSeenAt: at(),
        expiresAt: at(3600_000),
        ip: null,
        userAgent: null,
      });
      await users.addPasskey({
        id: "pk",
        userId: alice.id,
        publicKey: "x",
        counter: 0,
        transports: [],
        name: "k",
        createdAt: at(),
        lastUsedAt: null,
      });
      await sessions.addLink({
        tokenHash: "t1",
        userId: alice.id,
        createdBy: "cli",
        createdAt: at(),
        expiresAt: at(900_000),
        usedAt: null,
      });
      expect(await users.delete(alice.id)).toBe(true);
      expect(await users.delete(alice.id)).toBe(false);
      expect(await sessions.get("h1")).toBeNull();
      expect(await users.getPasskey("pk")).toBeNull();
      expect(await sessions.getLink("t1")).toBeNull();
    });

    it("sessions: create, touch, delete one or all of a user's, sweep ended and idle ones", async () => {
      const alice = await seedUser();
      const session = (idHash: string, lastSeen: number, expires: number) => ({
        idHash,
        userId: alice.id,
        createdAt: at(),
        lastSeenAt: at(lastSeen),
        expiresAt: at(expires),
        ip: "203.0.113.9",
        userAgent: "test",
      });
      await sessions.create(session("a", 0, 10_000));
      await expect(sessions.create(session("a", 0, 10_000))).rejects.toBeInstanceOf(UniqueViolation);
      await sessions.create(session("b", 0, 100_000));
      await sessions.create(session("c", 9_000, 100_000));
      await sessions.touch("b", at(50));
      expect((await sessions.get("b"))?.lastSeenAt).toEqual(at(50));
      // at +10 s: "a" has ended; idle cut-off at +1 s removes "b" (last seen +50 ms), keeps "c"
      await sessions.deleteExpired(at(10_000), at(1_000));
      expect(await sessions.get("a")).toBeNull();
      expect(await sessions.get("b")).toBeNull();
      expect(await sessions.get("c")).not.toBeNull();
      await sessions.create(session("d", 9_000, 100_000));
      expect(await sessions.deleteForUser(alice.id)).toBe(2);
      await sessions.delete("nothing-here");
    });

    it("a sign-in link is used once, and never after it expires", async () => {
      const alice = await seedUser();
      const link = {
        tokenHash: "tok",
        userId: alice.id,
        createdBy: "cli",
        createdAt: at(),
        expiresAt: at(900_000),
        usedAt: null,
      };
      await sessions.addLink(link);
      await sessions.addLink({ ...link, tokenHash: "old" });
      expect(await sessions.getLink("tok")).toEqual(link);
      const results = await Promise.all([
        sessions.consumeLink("tok", at(1)),
        sessions.consumeLink("tok", at(1)),
      ]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await sessions.consumeLink("tok", at(2))).toBeNull();
      expect((await sessions.getLink("tok"))?.usedAt).toEqual(at(1));
      expect(await sessions.consumeLink("old", at(900_000))).toBeNull();
      expect(await sessions.consumeLink("unknown", at(1))).toBeNull();
    });

    it("a WebAuthn challenge is consumed once and only before it expires", async () => {
      const alice = await seedUser();
      await sessions.addChallenge({
        challenge: "c1",
        purpose: "register",
        userId: alice.id,
        expiresAt: at(300_000),
      });
      await sessions.addChallenge({
        challenge: "c2",
        purpose: "authenticate",
        userId: null,
        expiresAt: at(300_000),
      });
      const both = await Promise.all([
        sessions.consumeChallenge("c1", at(1)),
        sessions.consumeChallenge("c1", at(1)),
      ]);
      expect(both.filter((r) => r !== null)).toEqual([
        { challenge: "c1", purpose: "register", userId: alice.id, expiresAt: at(300_000) },
      ]);
      expect(await sessions.consumeChallenge("c2", at(300_000))).toBeNull();
      expect(await sessions.consumeChallenge("c2", at(1))).toBeNull(); // gone even when late
    });

    it("rate-limit counters count within a fixed window and start again after it", async () => {
      expect(await sessions.hit("k", 60_000, at())).toEqual({ count: 1, resetAt: at(60_000) });
      expect((await sessions.hit("k", 60_000, at(10))).count).toBe(2);
      expect((await sessions.hit("k", 60_000, at(59_999))).count).toBe(3);
      expect((await sessions.hit("other", 60_000, at(20))).count).toBe(1);
      expect(await sessions.hit("k", 60_000, at(60_000))).toEqual({ count: 1, resetAt: at(120_000) });
      await sessions.deleteExpired(at(200_000), at(0));
      expect((await sessions.hit("k", 60_000, at(200_000))).count).toBe(1);
    });

    it("writes inside a failed transaction leave nothing behind", async () => {
      const email = "rollback@example.test";
      await expect(
        store.transaction(async (tx) => {
          await tx.users?.create({
            id: newUserId(),
            accountId,
            email,
            role: "owner",
            passwordHash: null,
            createdBy: "cli",
            createdAt: at(),
            updatedAt: at(),
            lastSignInAt: null,
          });
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await users.getByEmail(email)).toBeNull();
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

consoleStoreSuite("memory", async () => createMemoryStore());

consoleStoreSuite("sqlite (Prisma)", async () => {
  const db = freshSqlite();
  dirs.push(db.dir);
  return openSqliteStore(db.url);
});

if (await needPostgres()) {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("console");
  });
  afterAll(async () => {
    await db?.drop();
  });
  consoleStoreSuite("postgres (Prisma)", async () => {
    await db.truncate();
    return openPostgresStore(db.url, { poolSize: 2 });
  });
} else {
  skippedSuite("console stores: postgres (Prisma)", "needs PostgreSQL");
}
