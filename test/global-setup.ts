import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { migrateDatabase } from "../src/store/prisma/migrate.js";

/**
 * Migrates one SQLite template database with the real migrations; tests copy it instead of
 * running Prisma's migrator per test.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "signet-template-"));
  const path = join(dir, "template.db");
  await migrateDatabase(`file:${path}`);
  project.provide("sqliteTemplate", path);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    sqliteTemplate: string;
  }
}
