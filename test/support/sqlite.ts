import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";

/** A fresh, migrated SQLite database (a copy of the template made by global setup). */
export function freshSqlite(): { url: string; path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "signet-test-"));
  const path = join(dir, "signet.db");
  copyFileSync(inject("sqliteTemplate"), path);
  return { url: `file:${path}`, path, dir };
}
