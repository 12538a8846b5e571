import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";
import { sqliteFilePath } from "./src/store/prisma/sqlite-url.js";

// DATABASE_URL picks the provider: file: is SQLite (prisma/), postgres:// is PostgreSQL
// (prisma/postgres/, derived from the SQLite schema). engine "js" keeps the Prisma CLI on
// npm packages alone (no native schema engine download).
const databaseUrl = process.env.DATABASE_URL ?? "file:./data/signet.db";
const postgres = /^postgres(ql)?:\/\//.test(databaseUrl);
const root = postgres ? path.join("prisma", "postgres") : "prisma";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(root, "schema.prisma"),
  migrations: { path: path.join(root, "migrations") },
  async adapter() {
    return postgres
      ? new PrismaPg({ connectionString: databaseUrl })
      : new PrismaBetterSQLite3({ url: sqliteFilePath(databaseUrl) });
  },
});
