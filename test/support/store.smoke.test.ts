import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { freshSqlite } from "./sqlite.js";

describe("test support", () => {
  it("hands out a migrated SQLite copy", async () => {
    const store = await openSqliteStore(freshSqlite().url);
    expect(await store.accounts.list()).toEqual([]);
    await store.close();
  });
});
