/**
 * D1 and SQLite share one schema: the D1 migrations wrangler applies are the SQLite
 * migrations Prisma generated from prisma/schema.prisma, byte for byte, under flat names.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actualD1Migrations, D1_MIGRATIONS, expectedD1Migrations } from "../../scripts/db/d1-migrations.js";
import { ROOT } from "./support.js";

describe("D1 migrations are the SQLite migrations", () => {
  it("prisma/d1/migrations holds exactly one byte-identical copy of each prisma/migrations/*/migration.sql", () => {
    const expected = expectedD1Migrations();
    const actual = actualD1Migrations();
    expect(expected.size).toBeGreaterThan(0);
    // on failure: npx tsx scripts/db/d1-migrations.ts
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [name, bytes] of expected) {
      expect(
        actual.get(name)?.equals(bytes),
        `${name} differs; run npx tsx scripts/db/d1-migrations.ts`,
      ).toBe(true);
    }
  });

  it("wrangler.toml points every D1 binding at that folder", () => {
    const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    const dirs = [...toml.matchAll(/^migrations_dir\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
    const bindings = [...toml.matchAll(/^\[\[(?:env\.\w+\.)?d1_databases\]\]/gm)];
    expect(dirs.length).toBe(bindings.length);
    for (const dir of dirs) expect(join(ROOT, dir as string)).toBe(D1_MIGRATIONS);
  });

  it("names sort in the same order as Prisma applies them", () => {
    const names = [...expectedD1Migrations().keys()];
    expect(names).toEqual([...names].sort());
    for (const name of names) expect(name).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/);
  });
});
