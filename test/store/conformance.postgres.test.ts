/**
 * The Store conformance suite on PostgreSQL (@prisma/adapter-pg), in a database this file
 * CREATEs with a unique name, migrates with the real migrations, empties before each test and
 * DROPs at the end.
 */
import { afterAll, beforeAll } from "vitest";
import { openPostgresStore } from "../../src/store/prisma/postgres.js";
import { createTestDatabase, needPostgres, skippedSuite, type TestDatabase } from "../support/services.js";
import { storeConformance } from "./conformance.js";

if (await needPostgres()) {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("conformance");
  });
  afterAll(async () => {
    await db?.drop();
  });

  storeConformance("postgres (Prisma)", async () => {
    await db.truncate();
    return openPostgresStore(db.url, { poolSize: 4 });
  });
} else {
  skippedSuite("Store conformance: postgres (Prisma)", "needs PostgreSQL");
}
