import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/store/prisma/migrate.js";

const run = promisify(execFile);

describe("npm run demo", () => {
  it("walks the story over real HTTP and every step behaves as designed", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join(PROJECT_ROOT, "scripts", "demo.ts")],
      {
        cwd: PROJECT_ROOT,
        timeout: 60_000,
      },
    );
    expect(stdout).toMatch(/2\. signed request[\s\S]*-> 200 /);
    expect(stdout).toMatch(/3\. the same token again[\s\S]*-> 401 replayed_token/);
    expect(stdout).toMatch(/4\. a route needing a scope[\s\S]*-> 403 insufficient_scope/);
    expect(stdout).toMatch(/6\. a fresh, correctly signed request after the revoke[\s\S]*-> 401 key_revoked/);
    expect(stdout).toContain("demo: every step behaved as designed");
  });
});
