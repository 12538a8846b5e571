import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { Store } from "../ports.js";
import { PrismaClient } from "./generated/client.js";
import { migrateDatabase } from "./migrate.js";
import { createPrismaStore } from "./prisma-store.js";
import { withSql } from "./sql-replay-store.js";
import { sqliteFilePath } from "./sqlite-url.js";

/**
 * `always`: apply pending migrations first (server start). `if-needed`: only when the
 * database has never been migrated (CLI commands; Prisma's migrator locks SQLite
 * exclusively, so it cannot run beside a live server). `never`: open as is.
 */
export type MigrateMode = "always" | "if-needed" | "never";

async function openClient(path: string): Promise<PrismaClient> {
  const adapter = new PrismaBetterSQLite3({ url: path, timeout: 5000 });
  const client = new PrismaClient({ adapter });
  // WAL lets the CLI write while the server reads; the busy timeout above covers the rest.
  await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  return client;
}

/** Opens the SQLite database at a `file:` URL (creating its folder) as a Store. */
export async function openSqliteStore(databaseUrl: string, migrate: MigrateMode = "never"): Promise<Store> {
  const path = sqliteFilePath(databaseUrl);
  mkdirSync(dirname(path), { recursive: true });
  if (migrate === "always") await migrateDatabase(databaseUrl);
  let client = await openClient(path);
  if (migrate === "if-needed") {
    const tables = await client.$queryRawUnsafe<unknown[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
    );
    if (tables.length === 0) {
      await client.$disconnect();
      await migrateDatabase(databaseUrl);
      client = await openClient(path);
    }
  }
  return withSql(createPrismaStore(client, "sqlite"), { client, dialect: "sqlite" });
}
