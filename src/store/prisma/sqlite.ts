import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { Store } from "../ports.js";
import { PrismaClient } from "./generated/client.js";
import { createPrismaStore } from "./prisma-store.js";
import { sqliteFilePath } from "./sqlite-url.js";

/** Opens the SQLite database at a `file:` URL (creating its folder) as a Store. */
export async function openSqliteStore(databaseUrl: string): Promise<Store> {
  const path = sqliteFilePath(databaseUrl);
  mkdirSync(dirname(path), { recursive: true });
  const adapter = new PrismaBetterSQLite3({ url: path, timeout: 5000 });
  const client = new PrismaClient({ adapter });
  // WAL lets the CLI write while the server reads; the busy timeout above covers the rest.
  await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  return createPrismaStore(client, "sqlite");
}
