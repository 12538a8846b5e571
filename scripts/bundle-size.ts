/**
 * `npm run bundle-size`: builds the worker exactly as `wrangler deploy` would (`--dry-run
 * --outdir`, nothing is uploaded or fetched) and prints what it weighs, per module and in
 * total, raw and gzipped. Exits 1 when the gzip total is over the 1 MiB budget.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = resolve(import.meta.dirname, "..");
const BUDGET_BYTES = 1024 * 1024;
const KiB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const outdir = mkdtempSync(join(tmpdir(), "signet-bundle-"));
try {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("CLOUDFLARE_")) delete env[name];
  const build = spawnSync(
    process.execPath,
    [
      join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      outdir,
      "--env",
      "",
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1" },
    },
  );
  if (build.status !== 0) {
    process.stderr.write(`wrangler deploy --dry-run failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
  const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(build.stdout + build.stderr);

  // what is uploaded: the modules, not source maps or the README wrangler writes beside them
  const modules = readdirSync(outdir)
    .filter((name) => !name.endsWith(".map") && name !== "README.md")
    .map((name) => {
      const bytes = readFileSync(join(outdir, name));
      return {
        name: name.replace(/^[0-9a-f]{40}-/, ""),
        raw: bytes.length,
        gzip: gzipSync(bytes, { level: 9 }).length,
      };
    })
    .sort((a, b) => b.gzip - a.gzip);
  const total = modules.reduce((sum, m) => ({ raw: sum.raw + m.raw, gzip: sum.gzip + m.gzip }), {
    raw: 0,
    gzip: 0,
  });

  console.log("worker bundle (wrangler deploy --dry-run, minified):");
  for (const m of modules)
    console.log(`  ${m.name.padEnd(28)} ${KiB(m.raw).padStart(12)} raw ${KiB(m.gzip).padStart(12)} gzip`);
  console.log(
    `  ${"total".padEnd(28)} ${KiB(total.raw).padStart(12)} raw ${KiB(total.gzip).padStart(12)} gzip`,
  );
  if (reported) console.log(`wrangler reports: ${reported[1]} KiB upload / ${reported[2]} KiB gzip`);
  const gzip = reported ? Number(reported[2]) * 1024 : total.gzip;
  const verdict = gzip <= BUDGET_BYTES ? "within" : "OVER";
  console.log(`gzip ${KiB(gzip)} of the ${KiB(BUDGET_BYTES)} budget: ${verdict}`);
  if (gzip > BUDGET_BYTES) process.exitCode = 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
