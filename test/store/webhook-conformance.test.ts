import { rmSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import { openPostgresStore } from "../../src/store/prisma/postgres.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { createTestDatabase, needPostgres, skippedSuite, type TestDatabase } from "../support/services.js";
import { freshSqlite } from "../support/sqlite.js";
import { webhookConformance } from "./webhook-conformance.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

webhookConformance("memory", async () => createMemoryStore());

webhookConformance("sqlite (Prisma)", async () => {
  const db = freshSqlite();
  dirs.push(db.dir);
  return openSqliteStore(db.url);
});

if (await needPostgres()) {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("webhooks");
  });
  afterAll(async () => {
    await db?.drop();
  });
  webhookConformance("postgres (Prisma)", async () => {
    await db.truncate();
    return openPostgresStore(db.url, { poolSize: 2 });
  });
} else {
  skippedSuite("Webhook store conformance: postgres (Prisma)", "needs PostgreSQL");
}
