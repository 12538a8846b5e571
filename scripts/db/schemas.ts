/**
 * One source of truth for the models: prisma/schema.prisma (SQLite, the embedded default).
 * The PostgreSQL schema is derived from it, never edited by hand; a test fails if they drift.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/store/prisma/migrate.js";

export const SQLITE_SCHEMA = join(PROJECT_ROOT, "prisma", "schema.prisma");
export const POSTGRES_SCHEMA = join(PROJECT_ROOT, "prisma", "postgres", "schema.prisma");

const HEADER = "// GENERATED from prisma/schema.prisma by `npm run db:schemas`. Do not edit.\n";

/** The models of the SQLite schema (everything after the generator and datasource blocks). */
export function modelsOf(schema: string): string {
  return schema
    .replace(/^\/\/.*\n/gm, (line) => (line.startsWith("// GENERATED") ? "" : line))
    .replace(/generator\s+\w+\s*\{[^}]*\}\s*/g, "")
    .replace(/datasource\s+\w+\s*\{[^}]*\}\s*/g, "")
    .trim();
}

export function derivePostgresSchema(sqliteSchema: string): string {
  return `${HEADER}generator client {
  provider            = "prisma-client"
  output              = "../../src/store/prisma/generated-pg"
  engineType          = "client"
  runtime             = "nodejs"
  moduleFormat        = "esm"
  importFileExtension = "js"
}

datasource db {
  provider = "postgresql"
  // unused at run time (the driver adapter in prisma.config.ts wins); Prisma 6 still wants it
  url      = "postgresql://unused"
}

${modelsOf(sqliteSchema)}
`;
}

export const readSqliteSchema = (): string => readFileSync(SQLITE_SCHEMA, "utf8");
