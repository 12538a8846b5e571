/**
 * D1 applies flat `NNNN_name.sql` files (wrangler does not read Prisma's `<name>/migration.sql`
 * folders), so prisma/d1/migrations holds each SQLite migration byte for byte under its
 * folder's name: `prisma/migrations/20261125000000_init/migration.sql` becomes
 * `prisma/d1/migrations/20261125000000_init.sql`. Prisma's timestamped names sort the same
 * way in both places. `npx tsx scripts/db/d1-migrations.ts` rewrites them; a test fails if
 * they differ from the SQLite ones.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "../../src/store/prisma/migrate.js";

export const SQLITE_MIGRATIONS = join(PROJECT_ROOT, "prisma", "migrations");
export const D1_MIGRATIONS = join(PROJECT_ROOT, "prisma", "d1", "migrations");

/** The D1 migration files the SQLite migrations call for: file name → exact bytes. */
export function expectedD1Migrations(): Map<string, Buffer> {
  const expected = new Map<string, Buffer>();
  const folders = readdirSync(SQLITE_MIGRATIONS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const folder of folders) {
    expected.set(`${folder}.sql`, readFileSync(join(SQLITE_MIGRATIONS, folder, "migration.sql")));
  }
  return expected;
}

/** The D1 migration files as they are on disk. */
export function actualD1Migrations(): Map<string, Buffer> {
  const actual = new Map<string, Buffer>();
  for (const name of readdirSync(D1_MIGRATIONS).sort()) {
    if (name.endsWith(".sql")) actual.set(name, readFileSync(join(D1_MIGRATIONS, name)));
  }
  return actual;
}

/** Makes prisma/d1/migrations exactly the SQLite migrations (removing strays). */
export function writeD1Migrations(): string[] {
  mkdirSync(D1_MIGRATIONS, { recursive: true });
  const expected = expectedD1Migrations();
  for (const name of readdirSync(D1_MIGRATIONS)) {
    if (name.endsWith(".sql") && !expected.has(name)) rmSync(join(D1_MIGRATIONS, name));
  }
  for (const [name, bytes] of expected) writeFileSync(join(D1_MIGRATIONS, name), bytes);
  return [...expected.keys()];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of writeD1Migrations()) console.log(`wrote ${join(D1_MIGRATIONS, name)}`);
}
