import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";
import { sqliteFilePath } from "./src/store/prisma/sqlite-url.js";

// engine "js" keeps the Prisma CLI on npm packages alone (no native schema engine download).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    return new PrismaBetterSQLite3({
      url: sqliteFilePath(process.env.DATABASE_URL ?? "file:./data/signet.db"),
    });
  },
});
