/**
 * The one conformance suite every Store implementation must pass. A new store is one line:
 * `storeConformance("postgres", () => openPostgresStore(url))` in conformance.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encode } from "../../src/core/base64url.js";
import { newAccountId, newEventId, newKeyId } from "../../src/core/ids.js";
import { InvalidCursorError } from "../../src/store/cursor.js";
import { UniqueViolation } from "../../src/store/errors.js";
import type { AccountRecord, AuditEventRecord, KeyRecord, NewKey, Store } from "../../src/store/ports.js";

/** 2023-11-14T22:13:20.123Z: a time with milliseconds, so precision loss shows. */
const T0 = 1_700_000_000_123;
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);

const random32 = (): string => encode(crypto.getRandomValues(new Uint8Array(32)));

let counter = 0;

export function anAccount(overrides: Partial<AccountRecord> = {}): AccountRecord {
  counter++;
  return { id: newAccountId(), name: `account-${counter}`, createdAt: at(0), ...overrides };
}

export function aKey(accountId: string, overrides: Partial<NewKey> = {}): NewKey {
  counter++;
  return {
    id: newKeyId(),
    accountId,
    name: `key-${counter}`,
    x: random32(),
    fingerprint: random32(),
    scopes: ["orders:read"],
    allowedIps: [],
    reusable: false,
    maxLifetime: null,
    createdBy: "user:alice@example.com",
    rotatedFrom: null,
    createdAt: at(0),
    expiresAt: null,
    ...overrides,
  };
}

export function anEvent(accountId: string, overrides: Partial<AuditEventRecord> = {}): AuditEventRecord {
  return {
    id: newEventId(),
    accountId,
    keyId: null,
    actor: "user:alice@example.com",
    action: "key.created",
    ip: "203.0.113.7",
    details: { name: "ci", scopes: ["orders:read"], nested: { n: 1, ok: true } },
    createdAt: at(0),
    ...overrides,
  };
}

/** What `keys.create` must return for `key`: defaults filled in, nothing used or revoked yet. */
function created(key: NewKey): KeyRecord {
  return {
    ...key,
    disabled: key.disabled ?? false,
    updatedAt: key.createdAt,
    revokedAt: null,
    lastUsedAt: null,
  };
}

/** Newest first, ties broken by id descending: the order every store's list must produce. */
function newestFirstIds(items: Array<{ id: string; createdAt: Date }>): string[] {
  return [...items]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((item) => item.id);
}

/** A deterministic shuffle so insertion order never matches the expected order. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 42;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function storeConformance(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    /** Walks every page of an account's keys and returns them in the order served. */
    async function allKeyPages(accountId: string, limit: number): Promise<KeyRecord[][]> {
      const pages: KeyRecord[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.keys.list(accountId, { limit, cursor });
        pages.push(page.items);
        cursor = page.nextCursor ?? undefined;
        if (pages.length > 100) throw new Error("pagination does not terminate");
      } while (cursor);
      return pages;
    }

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(typeof store.kind).toBe("string");
      expect(store.kind.length).toBeGreaterThan(0);
    });

    describe("accounts", () => {
      it("creates an account and reads it back by id and by name, milliseconds intact", async () => {
        const account = anAccount({ createdAt: at(876) });
        await expect(store.accounts.create(account)).resolves.toEqual(account);

        const byId = await store.accounts.get(account.id);
        expect(byId).toEqual(account);
        expect(byId?.createdAt).toBeInstanceOf(Date);
        expect(byId?.createdAt.getTime()).toBe(T0 + 876);
        expect(await store.accounts.getByName(account.name)).toEqual(account);
      });

      it("returns null for an unknown id or name", async () => {
        await store.accounts.create(anAccount());
        expect(await store.accounts.get(newAccountId())).toBeNull();
        expect(await store.accounts.getByName("nobody")).toBeNull();
      });

      it("lists every account, oldest first", async () => {
        const a = anAccount({ createdAt: at(2_000) });
        const b = anAccount({ createdAt: at(0) });
        const c = anAccount({ createdAt: at(1_000) });
        for (const account of [a, b, c]) await store.accounts.create(account);
        expect(await store.accounts.list()).toEqual([b, c, a]);
      });

      it("lists nothing when empty", async () => {
        expect(await store.accounts.list()).toEqual([]);
      });

      it("refuses a second account with the same name (UniqueViolation) and keeps the first", async () => {
        const first = anAccount({ name: "acme" });
        await store.accounts.create(first);
        const error = await store.accounts.create(anAccount({ name: "acme" })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UniqueViolation);
        expect((error as UniqueViolation).code).toBe("conflict");
        expect(await store.accounts.list()).toEqual([first]);
        expect(await store.accounts.getByName("acme")).toEqual(first);
      });

      it("refuses a second account with the same id (UniqueViolation)", async () => {
        const first = anAccount();
        await store.accounts.create(first);
        await expect(store.accounts.create(anAccount({ id: first.id }))).rejects.toBeInstanceOf(
          UniqueViolation,
        );
        expect(await store.accounts.list()).toEqual([first]);
      });
    });

    describe("keys", () => {
      let account: AccountRecord;

      beforeEach(async () => {
        account = await store.accounts.create(anAccount());
      });

      it("creates a key with defaults filled in and reads it back by id and fingerprint", async () => {
        const key = aKey(account.id, { createdAt: at(1) });
        const expected = created(key);
        await expect(store.keys.create(key)).resolves.toEqual(expected);
        expect(await store.keys.get(key.id)).toEqual(expected);
        expect(await store.keys.getByFingerprint(key.fingerprint)).toEqual(expected);
      });

      it("round-trips every field, dates to the millisecond", async () => {
        const previous = await store.keys.create(aKey(account.id));
        const key = aKey(account.id, {
          name: "deploy bot ✓",
          scopes: ["orders:read", "orders:write", "keys:manage"],
          allowedIps: ["203.0.113.0/24", "2001:db8::/32"],
          reusable: true,
          maxLifetime: 120,
          disabled: true,
          createdBy: "key:key_0123456789ABCDEFGHJKMNPQRS",
          rotatedFrom: previous.id,
          createdAt: at(999),
          expiresAt: at(90 * 86_400_000 + 1),
        });
        await store.keys.create(key);
        const read = await store.keys.get(key.id);
        expect(read).toEqual(created(key));
        expect(read?.createdAt.getTime()).toBe(T0 + 999);
        expect(read?.updatedAt.getTime()).toBe(T0 + 999);
        expect(read?.expiresAt?.getTime()).toBe(T0 + 90 * 86_400_000 + 1);
        expect(read?.disabled).toBe(true);
        expect(read?.reusable).toBe(true);
        expect(read?.maxLifetime).toBe(120);
      });

      it("never has a private key field", async () => {
        const key = aKey(account.id);
        await store.keys.create(key);
        const read = await store.keys.get(key.id);
        expect(Object.keys(read ?? {}).sort()).toEqual(
          [
            "id",
            "accountId",
            "name",
            "x",
            "fingerprint",
            "scopes",
            "allowedIps",
            "reusable",
            "maxLifetime",
            "disabled",
            "createdBy",
            "rotatedFrom",
            "createdAt",
            "updatedAt",
            "expiresAt",
            "revokedAt",
            "lastUsedAt",
          ].sort(),
        );
      });

      it("returns null for an unknown id or fingerprint", async () => {
        await store.keys.create(aKey(account.id));
        expect(await store.keys.get(newKeyId())).toBeNull();
        expect(await store.keys.getByFingerprint(random32())).toBeNull();
      });

      it("refuses a second key with the same fingerprint (UniqueViolation)", async () => {
        const first = aKey(account.id);
        await store.keys.create(first);
        const duplicate = aKey(account.id, { fingerprint: first.fingerprint });
        const error = await store.keys.create(duplicate).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UniqueViolation);
        expect((error as UniqueViolation).code).toBe("conflict");
        expect(await store.keys.get(duplicate.id)).toBeNull();
        expect(await store.keys.getByFingerprint(first.fingerprint)).toEqual(created(first));
      });

      it("refuses a second key with the same id (UniqueViolation)", async () => {
        const first = aKey(account.id);
        await store.keys.create(first);
        await expect(store.keys.create(aKey(account.id, { id: first.id }))).rejects.toBeInstanceOf(
          UniqueViolation,
        );
        expect(await store.keys.get(first.id)).toEqual(created(first));
      });

      it("refuses a key for an account that does not exist", async () => {
        const orphan = aKey(newAccountId());
        await expect(store.keys.create(orphan)).rejects.toThrow();
        expect(await store.keys.get(orphan.id)).toBeNull();
      });

      it("lists newest first across pages of 10: ties broken by id, no duplicates, no gaps", async () => {
        const other = await store.accounts.create(anAccount());
        // 13 distinct times, then three groups of four keys sharing a time; the first page
        // boundary falls inside the group at t=13 s.
        const keys = Array.from({ length: 25 }, (_, i) =>
          aKey(account.id, { createdAt: at((i < 13 ? i : 13 + Math.floor((i - 13) / 4)) * 1_000) }),
        );
        const foreign = Array.from({ length: 5 }, (_, i) =>
          aKey(other.id, { createdAt: at(i * 1_000 + 500) }),
        );
        for (const key of shuffled([...keys, ...foreign])) await store.keys.create(key);

        const pages = await allKeyPages(account.id, 10);
        expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
        const served = pages.flat();
        expect(served.map((k) => k.id)).toEqual(newestFirstIds(keys));
        expect(new Set(served.map((k) => k.id)).size).toBe(25);
        expect(served).toEqual(
          newestFirstIds(keys).map((id) => created(keys.find((k) => k.id === id) as NewKey)),
        );
      });

      it("walks pages correctly when every key has the same createdAt", async () => {
        const keys = Array.from({ length: 12 }, () => aKey(account.id, { createdAt: at(5) }));
        for (const key of shuffled(keys)) await store.keys.create(key);
        const pages = await allKeyPages(account.id, 5);
        expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
        expect(pages.flat().map((k) => k.id)).toEqual(newestFirstIds(keys));
      });

      it("gives no next cursor when the last page is exactly full", async () => {
        const keys = Array.from({ length: 20 }, (_, i) => aKey(account.id, { createdAt: at(i) }));
        for (const key of keys) await store.keys.create(key);
        const first = await store.keys.list(account.id, { limit: 10 });
        expect(first.nextCursor).not.toBeNull();
        const second = await store.keys.list(account.id, {
          limit: 10,
          cursor: first.nextCursor ?? undefined,
        });
        expect(second.items).toHaveLength(10);
        expect(second.nextCursor).toBeNull();
        const all = await store.keys.list(account.id, { limit: 20 });
        expect(all.items.map((k) => k.id)).toEqual(newestFirstIds(keys));
        expect(all.nextCursor).toBeNull();
      });

      it("lists only the account's own keys, and nothing for an account without keys", async () => {
        const other = await store.accounts.create(anAccount());
        const mine = aKey(account.id);
        const theirs = aKey(other.id);
        await store.keys.create(mine);
        await store.keys.create(theirs);

        expect((await store.keys.list(account.id, { limit: 10 })).items.map((k) => k.id)).toEqual([mine.id]);
        expect((await store.keys.list(other.id, { limit: 10 })).items.map((k) => k.id)).toEqual([theirs.id]);
        expect(await store.keys.list(newAccountId(), { limit: 10 })).toEqual({ items: [], nextCursor: null });
      });

      it("rejects a cursor it did not issue", async () => {
        await store.keys.create(aKey(account.id));
        await expect(
          store.keys.list(account.id, { limit: 10, cursor: "not-a-cursor!" }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(
          store.keys.list(account.id, { limit: 10, cursor: btoa("123:key_lowercase-is-wrong") }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it("updates the patched fields only and returns the new record", async () => {
        const key = aKey(account.id, {
          scopes: ["orders:read"],
          allowedIps: ["10.0.0.0/8"],
          expiresAt: at(86_400_000),
        });
        await store.keys.create(key);

        const patched = await store.keys.update(key.id, {
          name: "renamed",
          scopes: ["orders:read", "orders:write"],
          allowedIps: ["192.0.2.1/32"],
          expiresAt: at(2 * 86_400_000 + 7),
          disabled: true,
          updatedAt: at(60_001),
        });
        const expected: KeyRecord = {
          ...created(key),
          name: "renamed",
          scopes: ["orders:read", "orders:write"],
          allowedIps: ["192.0.2.1/32"],
          expiresAt: at(2 * 86_400_000 + 7),
          disabled: true,
          updatedAt: at(60_001),
        };
        expect(patched).toEqual(expected);
        expect(await store.keys.get(key.id)).toEqual(expected);

        // a narrow patch leaves everything else alone; null clears the expiry; empty lists stick
        const cleared = await store.keys.update(key.id, {
          expiresAt: null,
          allowedIps: [],
          disabled: false,
          updatedAt: at(60_002),
        });
        expect(cleared).toEqual({
          ...expected,
          expiresAt: null,
          allowedIps: [],
          disabled: false,
          updatedAt: at(60_002),
        });

        const revoked = await store.keys.update(key.id, { revokedAt: at(70_003), updatedAt: at(70_003) });
        expect(revoked?.revokedAt?.getTime()).toBe(T0 + 70_003);
        expect(revoked?.name).toBe("renamed");
        expect(revoked?.scopes).toEqual(["orders:read", "orders:write"]);
        expect(await store.keys.get(key.id)).toEqual(revoked);
      });

      it("returns null when updating an unknown key, and changes nothing", async () => {
        const key = aKey(account.id);
        await store.keys.create(key);
        expect(await store.keys.update(newKeyId(), { name: "x", updatedAt: at(1_000) })).toBeNull();
        expect(await store.keys.get(key.id)).toEqual(created(key));
      });

      it("touchLastUsed records the time without changing updatedAt, and ignores unknown ids", async () => {
        const a = aKey(account.id, { createdAt: at(0) });
        const b = aKey(account.id, { createdAt: at(1) });
        const untouched = aKey(account.id, { createdAt: at(2) });
        for (const key of [a, b, untouched]) await store.keys.create(key);

        await store.keys.touchLastUsed([
          { id: a.id, at: at(10_001) },
          { id: newKeyId(), at: at(10_002) },
          { id: b.id, at: at(10_003) },
        ]);
        await store.keys.touchLastUsed([]);

        expect(await store.keys.get(a.id)).toEqual({ ...created(a), lastUsedAt: at(10_001) });
        expect(await store.keys.get(b.id)).toEqual({ ...created(b), lastUsedAt: at(10_003) });
        expect(await store.keys.get(untouched.id)).toEqual(created(untouched));
        // last use is not a change anyone must react to
        expect(await store.keys.changedSince(at(5_000))).toEqual([]);
      });

      it("changedSince returns the keys updated at or after the time, with exact updatedAt", async () => {
        const a = aKey(account.id, { createdAt: at(0) });
        const b = aKey(account.id, { createdAt: at(1_000) });
        const c = aKey(account.id, { createdAt: at(2_000) });
        for (const key of [a, b, c]) await store.keys.create(key);
        await store.keys.update(a.id, { revokedAt: at(5_000), updatedAt: at(5_000) });

        const byId = (rows: Array<{ id: string; updatedAt: Date }>) =>
          [...rows].sort((x, y) => (x.id < y.id ? -1 : 1));

        expect(byId(await store.keys.changedSince(at(2_000)))).toEqual(
          byId([
            { id: c.id, updatedAt: at(2_000) },
            { id: a.id, updatedAt: at(5_000) },
          ]),
        );
        expect(byId(await store.keys.changedSince(at(0)))).toEqual(
          byId([
            { id: a.id, updatedAt: at(5_000) },
            { id: b.id, updatedAt: at(1_000) },
            { id: c.id, updatedAt: at(2_000) },
          ]),
        );
        expect(await store.keys.changedSince(at(2_001))).toEqual([{ id: a.id, updatedAt: at(5_000) }]);
        expect(await store.keys.changedSince(at(4_999))).toEqual([{ id: a.id, updatedAt: at(5_000) }]);
        expect(await store.keys.changedSince(at(5_001))).toEqual([]);
      });
    });

    describe("audit", () => {
      let account: AccountRecord;

      beforeEach(async () => {
        account = await store.accounts.create(anAccount());
      });

      it("appends events and lists them newest first with every field intact", async () => {
        const keyId = newKeyId();
        const first = anEvent(account.id, { keyId, createdAt: at(1) });
        const second = anEvent(account.id, {
          keyId: null,
          ip: null,
          action: "account.updated",
          details: {},
          createdAt: at(2),
        });
        await store.audit.append(first);
        await store.audit.append(second);

        const page = await store.audit.list(account.id, { limit: 10 });
        expect(page).toEqual({ items: [second, first], nextCursor: null });
        expect(page.items[1]?.createdAt.getTime()).toBe(T0 + 1);
      });

      it("filters by key id and leaves out other accounts", async () => {
        const other = await store.accounts.create(anAccount());
        const keyA = newKeyId();
        const keyB = newKeyId();
        const events = [
          anEvent(account.id, { keyId: keyA, createdAt: at(1) }),
          anEvent(account.id, { keyId: keyB, createdAt: at(2) }),
          anEvent(account.id, { keyId: keyA, createdAt: at(3) }),
          anEvent(account.id, { keyId: null, createdAt: at(4) }),
          anEvent(other.id, { keyId: keyA, createdAt: at(5) }),
        ];
        for (const event of events) await store.audit.append(event);

        const forA = await store.audit.list(account.id, { limit: 10, keyId: keyA });
        expect(forA.items.map((e) => e.id)).toEqual([events[2]?.id, events[0]?.id]);
        const all = await store.audit.list(account.id, { limit: 10 });
        expect(all.items.map((e) => e.id)).toEqual([
          events[3]?.id,
          events[2]?.id,
          events[1]?.id,
          events[0]?.id,
        ]);
        const theirs = await store.audit.list(other.id, { limit: 10 });
        expect(theirs.items.map((e) => e.id)).toEqual([events[4]?.id]);
        expect(await store.audit.list(account.id, { limit: 10, keyId: newKeyId() })).toEqual({
          items: [],
          nextCursor: null,
        });
      });

      it("paginates newest first without duplicates or gaps, with and without a key filter", async () => {
        const keyId = newKeyId();
        const events = Array.from({ length: 17 }, (_, i) =>
          anEvent(account.id, { keyId: i % 2 === 0 ? keyId : null, createdAt: at(Math.floor(i / 3) * 10) }),
        );
        for (const event of shuffled(events)) await store.audit.append(event);

        async function walk(filter: string | undefined): Promise<string[][]> {
          const pages: string[][] = [];
          let cursor: string | undefined;
          do {
            const page = await store.audit.list(account.id, { limit: 4, cursor, keyId: filter });
            pages.push(page.items.map((e) => e.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor && pages.length < 50);
          return pages;
        }

        const all = await walk(undefined);
        expect(all.map((p) => p.length)).toEqual([4, 4, 4, 4, 1]);
        expect(all.flat()).toEqual(newestFirstIds(events));

        const filtered = await walk(keyId);
        const expected = newestFirstIds(events.filter((e) => e.keyId === keyId));
        expect(expected).toHaveLength(9);
        expect(filtered.map((p) => p.length)).toEqual([4, 4, 1]);
        expect(filtered.flat()).toEqual(expected);
      });

      it("refuses an event for an account that does not exist", async () => {
        const ghost = newAccountId();
        await expect(store.audit.append(anEvent(ghost))).rejects.toThrow();
        expect((await store.audit.list(ghost, { limit: 10 })).items).toEqual([]);
      });
    });

    describe("createKeyWithAudit (stores that offer it; the others use transaction)", () => {
      it("writes the key and its audit event together and returns the key as keys.get reads it", async (ctx) => {
        if (!store.createKeyWithAudit) return ctx.skip();
        const account = anAccount();
        await store.accounts.create(account);
        const key = aKey(account.id, { expiresAt: at(86_400_000), allowedIps: ["10.0.0.0/8"] });
        const event = anEvent(account.id, { keyId: key.id });
        const record = await store.createKeyWithAudit(key, event);
        expect(record).toEqual(created(key));
        expect(await store.keys.get(key.id)).toEqual(created(key));
        expect((await store.audit.list(account.id, { limit: 10 })).items).toEqual([event]);
      });

      it("writes nothing and says so for an account that does not exist", async (ctx) => {
        if (!store.createKeyWithAudit) return ctx.skip();
        const ghost = newAccountId();
        const key = aKey(ghost);
        expect(await store.createKeyWithAudit(key, anEvent(ghost, { keyId: key.id }))).toBe("no-account");
        expect(await store.keys.get(key.id)).toBeNull();
        expect((await store.audit.list(ghost, { limit: 10 })).items).toEqual([]);
      });

      it("refuses a second key with the same fingerprint (UniqueViolation) and writes no audit event", async (ctx) => {
        if (!store.createKeyWithAudit) return ctx.skip();
        const account = anAccount();
        await store.accounts.create(account);
        const first = aKey(account.id);
        await store.createKeyWithAudit(first, anEvent(account.id, { keyId: first.id }));
        const twin = aKey(account.id, { fingerprint: first.fingerprint });
        await expect(
          store.createKeyWithAudit(twin, anEvent(account.id, { keyId: twin.id })),
        ).rejects.toBeInstanceOf(UniqueViolation);
        expect(await store.keys.get(twin.id)).toBeNull();
        expect((await store.audit.list(account.id, { limit: 10 })).items.map((e) => e.keyId)).toEqual([
          first.id,
        ]);
      });

      it("declines inside an open transaction instead of joining it, and writes nothing", async (ctx) => {
        if (!store.createKeyWithAudit) return ctx.skip();
        const account = anAccount();
        await store.accounts.create(account);
        const key = aKey(account.id);
        const answer = await store.transaction(async (tx) => {
          await tx.accounts.create(anAccount());
          return store.createKeyWithAudit?.(key, anEvent(account.id, { keyId: key.id }));
        });
        expect(answer).toBeUndefined();
        expect(await store.keys.get(key.id)).toBeNull();
      });
    });

    describe("transaction", () => {
      it("commits every write when the work succeeds and returns its result", async () => {
        const account = anAccount();
        const key = aKey(account.id);
        const event = anEvent(account.id, { keyId: key.id });

        const result = await store.transaction(async (tx) => {
          await tx.accounts.create(account);
          await tx.keys.create(key);
          await tx.audit.append(event);
          return "done";
        });

        expect(result).toBe("done");
        expect(await store.accounts.get(account.id)).toEqual(account);
        expect(await store.keys.get(key.id)).toEqual(created(key));
        expect((await store.audit.list(account.id, { limit: 10 })).items).toEqual([event]);
      });

      it("rolls back every write when the work throws, and rethrows the error", async () => {
        const existing = await store.accounts.create(anAccount());
        const existingKey = aKey(existing.id);
        await store.keys.create(existingKey);

        const account = anAccount();
        const key = aKey(account.id);
        const event = anEvent(account.id, { keyId: key.id });
        const boom = new Error("boom");

        await expect(
          store.transaction(async (tx) => {
            await tx.accounts.create(account);
            await tx.keys.create(key);
            await tx.audit.append(event);
            await tx.keys.update(existingKey.id, { revokedAt: at(9_000), updatedAt: at(9_000) });
            await tx.audit.append(anEvent(existing.id, { keyId: existingKey.id }));
            // the work sees its own writes before it fails
            expect(await tx.keys.get(key.id)).toEqual(created(key));
            throw boom;
          }),
        ).rejects.toBe(boom);

        expect(await store.accounts.get(account.id)).toBeNull();
        expect(await store.accounts.getByName(account.name)).toBeNull();
        expect(await store.keys.get(key.id)).toBeNull();
        expect(await store.keys.getByFingerprint(key.fingerprint)).toBeNull();
        expect((await store.audit.list(account.id, { limit: 10 })).items).toEqual([]);
        expect((await store.audit.list(existing.id, { limit: 10 })).items).toEqual([]);
        expect(await store.keys.get(existingKey.id)).toEqual(created(existingKey));
        expect(await store.accounts.list()).toEqual([existing]);

        // the store still works after a rollback
        await store.accounts.create(account);
        expect(await store.accounts.get(account.id)).toEqual(account);
      });

      it("rolls back when a write inside fails on a unique constraint", async () => {
        const taken = await store.accounts.create(anAccount());
        const account = anAccount();
        await expect(
          store.transaction(async (tx) => {
            await tx.accounts.create(account);
            await tx.accounts.create(anAccount({ name: taken.name }));
          }),
        ).rejects.toBeInstanceOf(UniqueViolation);
        expect(await store.accounts.get(account.id)).toBeNull();
        expect(await store.accounts.list()).toEqual([taken]);
      });

      it("joins a nested transaction to the outer one", async () => {
        const outer = anAccount();
        const inner = anAccount();
        await expect(
          store.transaction(async (tx) => {
            await tx.accounts.create(outer);
            await tx.transaction(async (nested) => {
              await nested.accounts.create(inner);
            });
            throw new Error("outer fails after the inner one finished");
          }),
        ).rejects.toThrow("outer fails");
        expect(await store.accounts.list()).toEqual([]);

        await store.transaction(async (tx) => {
          await tx.accounts.create(outer);
          await tx.transaction((nested) => nested.accounts.create(inner));
        });
        expect((await store.accounts.list()).map((a) => a.id).sort()).toEqual([outer.id, inner.id].sort());
      });
    });
  });
}
