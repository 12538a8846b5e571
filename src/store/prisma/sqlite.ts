import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import type { Store } from "../ports.js";
import { PrismaClient } from "./generated/client.js";
import { migrateDatabase } from "./migrate.js";
import { createPrismaStore } from "./prisma-store.js";
import { withSql } from "./sql-replay-store.js";
import { withDirectSqlite } from "./sqlite-direct.js";
import { sqliteFilePath } from "./sqlite-url.js";

/**
 * `always`: apply pending migrations first (server start). `if-needed`: only when the
 * database has never been migrated (CLI commands; Prisma's migrator locks SQLite
 * exclusively, so it cannot run beside a live server). `never`: open as is.
 */
export type MigrateMode = "always" | "if-needed" | "never";

type AdapterFactory = PrismaBetterSQLite3;

/**
 * Prisma's better-sqlite3 adapter factory, remembering the connection each `connect()` opens
 * (the adapter keeps it as its `client`), so the hot statements can run on it directly.
 */
function capturingAdapter(path: string): {
  factory: AdapterFactory;
  connection: () => BetterSqlite3.Database;
} {
  const inner = new PrismaBetterSQLite3({ url: path, timeout: 5000 });
  let current: BetterSqlite3.Database | undefined;
  const factory = Object.create(inner) as AdapterFactory;
  factory.connect = async () => {
    const adapter = await inner.connect();
    const handle = (adapter as unknown as { client?: BetterSqlite3.Database }).client;
    if (!handle || typeof handle.prepare !== "function")
      throw new Error(
        "@prisma/adapter-better-sqlite3 no longer exposes its connection; see sqlite-direct.ts",
      );
    current = handle;
    return adapter;
  };
  return {
    factory,
    connection: () => {
      if (!current?.open) throw new Error("the SQLite connection is closed");
      return current;
    },
  };
}

async function openClient(path: string) {
  const { factory, connection } = capturingAdapter(path);
  const client = new PrismaClient({ adapter: factory });
  // WAL lets the CLI write while the server reads; the busy timeout above covers the rest.
  await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  return { client, connection };
}

/** Opens the SQLite database at a `file:` URL (creating its folder) as a Store. */
export async function openSqliteStore(databaseUrl: string, migrate: MigrateMode = "never"): Promise<Store> {
  const path = sqliteFilePath(databaseUrl);
  mkdirSync(dirname(path), { recursive: true });
  if (migrate === "always") await migrateDatabase(databaseUrl);
  let opened = await openClient(path);
  if (migrate === "if-needed") {
    const tables = await opened.client.$queryRawUnsafe<unknown[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
    );
    if (tables.length === 0) {
      await opened.client.$disconnect();
      await migrateDatabase(databaseUrl);
      opened = await openClient(path);
    }
  }
  const { client, connection } = opened;
  return withSql(withDirectSqlite(createPrismaStore(client, "sqlite"), connection), {
    client,
    dialect: "sqlite",
  });
}
