import { rmSync } from "node:fs";
import { afterAll } from "vitest";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { freshSqlite } from "../support/sqlite.js";
import { storeConformance } from "./conformance.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

storeConformance("memory", async () => createMemoryStore());

storeConformance("sqlite (Prisma)", async () => {
  const db = freshSqlite();
  dirs.push(db.dir);
  return openSqliteStore(db.url);
});
