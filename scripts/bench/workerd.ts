/**
 * CPU time per verified request in workerd: wrangler.toml's worker in local workerd (local D1,
 * the ReplayShard Durable Objects), pinned to CPU 0, driven by the load generator on CPU 1.
 * workerd's own CPU time (from /proc) over N verified requests, minus nothing: it includes
 * workerd's HTTP, wrangler's dev proxy, D1 and the replay Durable Object, so it is an upper
 * bound on the isolate CPU time Cloudflare bills. A 404 on the same worker gives the floor.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Load, log, root, startServer } from "./processes.js";
import { ACCOUNT_ID, insertKeyRows } from "./seed.js";
import type { KeyPool } from "./shared.js";

export interface WorkerdResult {
  available: boolean;
  /** workerd CPU per verified GET /v1/whoami (per-request assertion, replay on), µs. */
  cpuMicrosPerRequest: number | null;
  /** workerd CPU per 404 on the same worker, µs: what any request costs there. */
  floorCpuMicrosPerRequest: number | null;
  requests: number;
  p50: number | null;
  p99: number | null;
  detail: string;
}

const notAvailable = (detail: string): WorkerdResult => ({
  available: false,
  cpuMicrosPerRequest: null,
  floorCpuMicrosPerRequest: null,
  requests: 0,
  p50: null,
  p99: null,
  detail,
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function runWrangler(args: string[]): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("CLOUDFLARE_")) delete env[name];
  Object.assign(env, {
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
    CI: "true",
  });
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), ...args], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("close", (code) => resolveRun({ code, output }));
  });
}

export async function measureWorkerd(options: {
  work: string;
  pool: KeyPool;
  load: Load;
  requests?: number;
}): Promise<WorkerdResult> {
  const config = join(root, "wrangler.toml");
  if (!existsSync(join(root, "src/entry/worker.ts")) || !existsSync(config)) {
    return notAvailable("worker entry not built yet");
  }
  const persist = join(options.work, "wrangler-state");
  const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  if (migrate.code !== 0)
    return notAvailable(`wrangler d1 migrations apply failed: ${migrate.output.trim().slice(-300)}`);
  const database = filesUnder(join(persist, "v3", "d1")).find((file) => file.endsWith(".sqlite"));
  if (!database) return notAvailable("the local D1 database was not found after migrating");
  const db = new Database(database);
  const now = new Date().toISOString().replace("Z", "+00:00");
  db.prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)").run(ACCOUNT_ID, "bench", now);
  insertKeyRows(db, options.pool.perRequest.slice(0, 100), now);
  db.close();

  const port = await freePort();
  log("  starting the worker in local workerd");
  const server = await startServer<{ type: "stats"; cpuMicros: number; processes: number }>(
    "workerd-server.ts",
    [config, persist, String(port)],
    { readyTimeoutMs: 180_000 },
  );
  try {
    const count = options.requests ?? 3000;
    const base = { port: server.port, connections: 8, duration: 0 };
    // warm the isolate (first key lookups from D1, JIT), checking that verification succeeds
    const warm = await options.load.run({
      ...base,
      path: "/v1/whoami",
      tokens: { kind: "per-request", keys: "perRequest", from: 0, to: 100, count: count + 1000 },
      amount: 1000,
    });
    if (warm.ok === 0)
      return notAvailable(`no verified request succeeded (${JSON.stringify(warm.statusCodes)})`);
    await options.load.run({ ...base, path: "/bench/not-found", tokens: { kind: "none" }, amount: 500 });
    let before = await server.stats();
    const floor = await options.load.run({
      ...base,
      path: "/bench/not-found",
      tokens: { kind: "none" },
      amount: count,
    });
    let after = await server.stats();
    const floorCpu = (after.cpuMicros - before.cpuMicros) / Math.max(1, floor.requests);
    before = await server.stats();
    const verified = await options.load.run({
      ...base,
      path: "/v1/whoami",
      tokens: { kind: "continue" },
      amount: count,
    });
    after = await server.stats();
    if (verified.ok === 0)
      return notAvailable(`no verified request succeeded (${JSON.stringify(verified.statusCodes)})`);
    if (verified.non2xx > 0) log(`  warning: ${verified.non2xx} of the workerd requests were not 2xx`);
    const cpu = (after.cpuMicros - before.cpuMicros) / Math.max(1, verified.ok);
    return {
      available: true,
      cpuMicrosPerRequest: Math.round(cpu),
      floorCpuMicrosPerRequest: Math.round(floorCpu),
      requests: verified.ok,
      p50: verified.p50,
      p99: verified.p99,
      detail: `${verified.ok} verified GET /v1/whoami over 8 connections; a 404 costs ${Math.round(floorCpu)} µs; ${after.processes} workerd process(es), includes the dev proxy, D1 and the replay Durable Object`,
    };
  } finally {
    await server.stop();
  }
}
