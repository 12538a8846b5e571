import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { migratePostgres } from "./postgres-migrate.js";
import { sqliteFilePath } from "./sqlite-url.js";

/** The package root, where prisma.config.ts and prisma/migrations live. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * Applies pending migrations from prisma/migrations with `prisma migrate deploy` (the JS
 * schema engine, so nothing is downloaded). Resolves with the CLI's output; rejects with it.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const applied = await migratePostgres(
      databaseUrl,
      join(PROJECT_ROOT, "prisma", "postgres", "migrations"),
    );
    return applied.length ? `applied ${applied.join(", ")}` : "No pending migrations to apply.";
  }
  if (databaseUrl.startsWith("file:")) {
    // relative paths are the caller's, not the package root's
    const path = resolvePath(sqliteFilePath(databaseUrl));
    mkdirSync(dirname(path), { recursive: true });
    databaseUrl = `file:${path}`;
  }
  const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli, "migrate", "deploy"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`migration failed (prisma migrate deploy exited ${code}):\n${output.trim()}`));
    });
  });
}
