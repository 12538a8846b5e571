import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  derivePostgresSchema,
  modelsOf,
  POSTGRES_SCHEMA,
  readSqliteSchema,
} from "../../scripts/db/schemas.js";
import { PROJECT_ROOT } from "../../src/store/prisma/migrate.js";

const sqliteMigrations = join(PROJECT_ROOT, "prisma", "migrations");
const postgresMigrations = join(PROJECT_ROOT, "prisma", "postgres", "migrations");
const folders = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

describe("one source of truth for the models", () => {
  it("the PostgreSQL schema is exactly the one derived from the SQLite schema", () => {
    expect(readFileSync(POSTGRES_SCHEMA, "utf8")).toBe(derivePostgresSchema(readSqliteSchema()));
  });

  it("every model change has a migration (the models equal the last migration's snapshot)", () => {
    const snapshot = (dir: string) => modelsOf(readFileSync(join(dir, "schema.snapshot.prisma"), "utf8"));
    expect(snapshot(sqliteMigrations)).toBe(modelsOf(readSqliteSchema()));
    expect(snapshot(postgresMigrations)).toBe(modelsOf(readFileSync(POSTGRES_SCHEMA, "utf8")));
  });

  it("both providers have the same migrations, in the same order", () => {
    const sqlite = folders(sqliteMigrations);
    expect(sqlite.length).toBeGreaterThan(0);
    expect(folders(postgresMigrations)).toEqual(sqlite);
  });
});
