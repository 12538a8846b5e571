/**
 * The SQLite hot path (sqlite-direct.ts) answers its calls with prepared statements: here the
 * Prisma store underneath throws on every call, so anything that reached it would fail. That
 * the answers are right is the conformance suite's job (it runs on openSqliteStore).
 */

import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/ports.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { withDirectSqlite } from "../../src/store/prisma/sqlite-direct.js";
import { freshSqlite } from "../support/sqlite.js";

const unreachable = (path: string): unknown =>
  new Proxy(() => {}, {
    get: (_, name) => (name === "then" ? undefined : unreachable(`${path}.${String(name)}`)),
    apply: () => {
      throw new Error(`${path}() reached Prisma`);
    },
  });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe("SQLite direct statements", () => {
  it("create, read, change feed, last use, audit and webhook lookups never reach Prisma", async () => {
    const db = freshSqlite();
    cleanups.push(() => rmSync(db.dir, { recursive: true, force: true }));
    const migrated = await openSqliteStore(db.url);
    const createdAt = new Date("2026-11-25T10:00:00.123Z");
    await migrated.accounts.create({ id: "acc_DIRECT0000000000000000000", name: "direct", createdAt });
    await migrated.close();

    const connection = new Database(db.path);
    cleanups.push(() => void connection.close());
    const inner = unreachable("prisma") as Store;
    const store = withDirectSqlite(
      {
        ...inner,
        accounts: unreachable("accounts"),
        keys: unreachable("keys"),
        audit: unreachable("audit"),
        webhooks: unreachable("webhooks"),
      } as Store,
      () => connection,
    );

    expect(await store.accounts.get("acc_DIRECT0000000000000000000")).toEqual({
      id: "acc_DIRECT0000000000000000000",
      name: "direct",
      createdAt,
    });
    const key = await store.keys.create({
      id: "key_DIRECT0000000000000000000",
      accountId: "acc_DIRECT0000000000000000000",
      name: "k",
      x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
      fingerprint: "fp-direct",
      scopes: ["orders:read"],
      allowedIps: ["10.0.0.0/8"],
      reusable: false,
      maxLifetime: 120,
      createdBy: "operator:test",
      rotatedFrom: null,
      createdAt,
      expiresAt: null,
    });
    expect(await store.keys.get(key.id)).toEqual(key);
    expect(await store.keys.changedSince(new Date(createdAt.getTime() - 1))).toEqual([
      { id: key.id, updatedAt: createdAt },
    ]);
    expect(await store.keys.changedSince(new Date(createdAt.getTime() + 1))).toEqual([]);
    const usedAt = new Date("2026-11-25T10:05:00.000Z");
    await store.keys.touchLastUsed([{ id: key.id, at: usedAt }]);
    expect((await store.keys.get(key.id))?.lastUsedAt).toEqual(usedAt);
    await store.audit.append({
      id: "evt_DIRECT0000000000000000000",
      accountId: key.accountId,
      keyId: key.id,
      actor: "operator:test",
      action: "key.created",
      ip: null,
      details: { name: "k" },
      createdAt,
    });
    expect(connection.prepare("SELECT details FROM audit_events").get()).toEqual({ details: '{"name":"k"}' });
    expect(await store.webhooks?.listEnabled(key.accountId)).toEqual([]);
  });
});
