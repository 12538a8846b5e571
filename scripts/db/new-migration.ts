/**
 * `npm run db:migration -- <name>`: after editing prisma/schema.prisma, writes the matching
 * migration for SQLite and for PostgreSQL (from the same models), so the two never drift.
 * Each provider keeps `schema.snapshot.prisma` in its migrations folder: the schema as of its
 * last migration, which the next diff starts from. Needs the local PostgreSQL
 * (SIGNET_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test) for the diff.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../../src/store/prisma/migrate.js";
import { writeD1Migrations } from "./d1-migrations.js";
import { derivePostgresSchema, POSTGRES_SCHEMA, readSqliteSchema, SQLITE_SCHEMA } from "./schemas.js";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]{1,60}$/.test(name)) {
  console.error("usage: npm run db:migration -- <name> (lower-case letters, digits, _)");
  process.exit(2);
}
writeFileSync(POSTGRES_SCHEMA, derivePostgresSchema(readSqliteSchema()));

const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const providers = [
  { schema: SQLITE_SCHEMA, url: `file:${join(mkdtempSync(join(tmpdir(), "signet-diff-")), "diff.db")}` },
  {
    schema: POSTGRES_SCHEMA,
    url: process.env.SIGNET_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
  },
];

for (const provider of providers) {
  const migrations = join(dirname(provider.schema), "migrations");
  const snapshot = join(migrations, "schema.snapshot.prisma");
  const sql = execFileSync(
    process.execPath,
    [
      prismaCli,
      "migrate",
      "diff",
      "--from-schema-datamodel",
      snapshot,
      "--to-schema-datamodel",
      provider.schema,
      "--script",
    ],
    { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: provider.url }, encoding: "utf8" },
  );
  if (/This is an empty migration/.test(sql)) {
    console.log(`${migrations}: no changes`);
    continue;
  }
  const folder = join(migrations, `${stamp}_${name}`);
  mkdirSync(folder);
  writeFileSync(join(folder, "migration.sql"), sql);
  copyFileSync(provider.schema, snapshot);
  console.log(`wrote ${join(folder, "migration.sql")}`);
}

// D1 applies the very same SQLite migrations, as flat files (see d1-migrations.ts).
for (const file of writeD1Migrations()) console.log(`d1: ${file}`);
