/**
 * Key creation takes the store's one synchronous write when the store offers it, falls back to
 * a transaction when the store declines, and fails closed when that write breaks: the same
 * rows, the same errors, whichever path ran.
 */
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { NotFoundError, VerifierUnavailableError } from "../../src/core/errors.js";
import { newAccountId } from "../../src/core/ids.js";
import { cliActor } from "../../src/server/services/actor.js";
import { createKeyService } from "../../src/server/services/key-service.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import type { Store } from "../../src/store/ports.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { freshSqlite } from "../support/sqlite.js";

const service = (store: Store) =>
  createKeyService({
    store,
    crypto: webCryptoProvider,
    clock: systemClock,
    audience: "https://api.example.com",
  });

describe("key creation in one write", () => {
  it("on SQLite writes the key and its audit event without a transaction", async () => {
    const db = freshSqlite();
    const store = await openSqliteStore(db.url, "never");
    try {
      let transactions = 0;
      const counting: Store = {
        ...store,
        transaction: (work) => {
          transactions++;
          return store.transaction(work);
        },
      };
      const keys = service(counting);
      const account = await keys.createAccount("acme", cliActor);
      transactions = 0;
      const { key, credentials } = await keys.createKey(
        account.id,
        { name: "ci", scopes: ["orders:read"] },
        cliActor,
      );
      expect(transactions).toBe(0);
      expect(credentials?.key_id).toBe(key.id);
      expect(await store.keys.get(key.id)).toEqual(key);
      const [event] = (await store.audit.list(account.id, { limit: 10, keyId: key.id })).items;
      expect(event).toMatchObject({
        action: "key.created",
        keyId: key.id,
        details: { generated_by: "server" },
      });
      await expect(
        keys.createKey(newAccountId(), { name: "ci", scopes: ["orders:read"] }, cliActor),
      ).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await store.close();
      rmSync(db.dir, { recursive: true, force: true });
    }
  });

  it("falls back to a transaction when the store declines", async () => {
    const memory = createMemoryStore();
    let asked = 0;
    const declining: Store = {
      ...memory,
      createKeyWithAudit: async () => {
        asked++;
        return undefined;
      },
    };
    const keys = service(declining);
    const account = await keys.createAccount("acme", cliActor);
    const { key } = await keys.createKey(account.id, { name: "ci", scopes: ["orders:read"] }, cliActor);
    expect(asked).toBe(1);
    expect(await memory.keys.get(key.id)).toEqual(key);
    expect((await memory.audit.list(account.id, { limit: 10, keyId: key.id })).items).toHaveLength(1);
  });

  it("fails closed (503) when the write breaks", async () => {
    const memory = createMemoryStore();
    const broken: Store = {
      ...memory,
      createKeyWithAudit: async () => {
        throw new Error("disk I/O error");
      },
    };
    const keys = service(broken);
    const account = await keys.createAccount("acme", cliActor);
    await expect(
      keys.createKey(account.id, { name: "ci", scopes: ["orders:read"] }, cliActor),
    ).rejects.toBeInstanceOf(VerifierUnavailableError);
    expect((await memory.keys.list(account.id, { limit: 10 })).items).toEqual([]);
  });
});
