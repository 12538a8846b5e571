/**
 * `npm run bench`: one command, one run, every figure from it. Servers run pinned to CPU 0,
 * the load generator (autocannon) to CPU 1, over loopback only. Prints a table and writes
 * bench/results.json. See docs/performance.md for what each figure and ratio means.
 *
 * Environment: BENCH_DURATION (seconds per measured run, default 6), BENCH_WARMUP (default 1.5),
 * BENCH_CONNECTIONS (default 32), BENCH_FILLER_KEYS (default 1,000,000 keys in the large database).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makePool, seedDatabase } from "./seed.js";
import {
  BARE_HELLO_PATH,
  HELLO_PATH,
  type LoadJob,
  type LoadResult,
  PROTECTED_PATH,
  type RawVerifyResult,
  type ServerMessage,
} from "./shared.js";
import { measureWorkerd, type WorkerdResult } from "./workerd.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1.5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TOTAL_KEYS = Number(process.env.BENCH_FILLER_KEYS ?? 1_000_000);
const ACTIVE_KEYS = 10_000;
const SMALL_KEYS = 100;
const PROBE_KEYS = 2_000;
const startedAt = Date.now();

const children = new Set<ChildProcess>();
function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });

const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const pinning = canPin();

/** Spawns `node --import tsx script args` pinned to `cpu` (when taskset and 2 CPUs exist). */
function spawnPinned(cpu: number, script: string, args: string[], quietStdout = true): ChildProcess {
  const nodeArgs = ["--import", "tsx", join(here, script), ...args];
  const [command, commandArgs] = pinning
    ? ["taskset", ["-c", String(cpu), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command as string, commandArgs as string[], {
    cwd: root,
    stdio: ["ignore", quietStdout ? "ignore" : "inherit", "inherit", "ipc"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolvePromise(message);
    };
    const onExit = (code: number | null) => reject(new Error(`bench child exited (${code}) before "${type}"`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

interface Server {
  port: number;
  pid: number;
  stats(): Promise<Extract<ServerMessage, { type: "stats" }>>;
  stop(): Promise<void>;
}

async function startServer(mode: string, args: string[], quietStdout = true): Promise<Server> {
  const child = spawnPinned(0, "server.ts", [mode, ...args], quietStdout);
  const { port } = await nextMessage<Extract<ServerMessage, { type: "ready" }>>(child, "ready");
  return {
    port,
    pid: child.pid ?? 0,
    async stats() {
      const reply = nextMessage<Extract<ServerMessage, { type: "stats" }>>(child, "stats");
      child.send({ type: "stats" });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.send({ type: "exit" });
      await exited;
    },
  };
}

/** The load generator: one long-lived child on CPU 1. */
function startLoad(poolPath: string) {
  const child = spawnPinned(1, "load.ts", [poolPath]);
  const ready = nextMessage(child, "ready");
  let id = 0;
  return {
    ready,
    async run(job: LoadJob): Promise<LoadResult> {
      const jobId = ++id;
      const reply = new Promise<LoadResult>((resolvePromise, reject) => {
        const onMessage = (message: { type: string; id: number; result?: LoadResult; error?: string }) => {
          if (message.id !== jobId) return;
          child.off("message", onMessage);
          if (message.type === "result") resolvePromise(message.result as LoadResult);
          else reject(new Error(message.error));
        };
        child.on("message", onMessage);
      });
      child.send({ type: "job", id: jobId, job });
      return reply;
    },
    stop() {
      child.send({ type: "exit" });
    },
  };
}

interface Measured extends LoadResult {
  /** Server CPU time per request over the measured run (user + system), microseconds. */
  serverCpuPerRequest: number;
  /** Share of a core the server used over the measured run. */
  serverCpu: number;
}

type Load = ReturnType<typeof startLoad>;

/** A warm-up job (tokens prepared here), then the measured job carrying on with the same tokens. */
async function measure(load: Load, server: Server, warm: LoadJob, seconds = DURATION): Promise<Measured> {
  await load.run({ ...warm, duration: WARMUP });
  const before = await server.stats();
  const result = await load.run({
    ...warm,
    tokens: warm.tokens.kind === "none" ? warm.tokens : { kind: "continue" },
    duration: seconds,
  });
  const after = await server.stats();
  const cpuMicros = after.cpuMicros - before.cpuMicros;
  const measured = {
    ...result,
    serverCpuPerRequest: cpuMicros / Math.max(1, result.requests),
    serverCpu: cpuMicros / 1e6 / result.seconds,
  };
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    log(
      `  warning: ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodes)}), ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  log(
    `  ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms, server ${fmt(measured.serverCpuPerRequest, 0)} µs CPU/req, generator ${fmt(result.generatorCpu * 100, 0)}% of a core`,
  );
  return measured;
}

const fmt = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || Number.isNaN(value)
    ? "n/a"
    : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Tokens for `seconds` of load at `rate`, with headroom (a per-request token is single use). */
const tokensFor = (rate: number, seconds: number) => Math.ceil(rate * seconds * 1.3) + 500;

function machine() {
  const cpu = cpus()[0];
  return {
    cpus: cpus().length,
    model: cpu?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    pinned: pinning,
  };
}

async function main() {
  const machineInfo = machine();
  if (!pinning) log("warning: taskset or a second CPU is missing; processes are not pinned");
  log(`${machineInfo.cpus} CPUs (${machineInfo.model}), Node ${machineInfo.node}, load average ${machineInfo.loadAverageAtStart.join(" ")}`);
  const work = mkdtempSync(join(tmpdir(), "signet-bench-"));
  try {
    return await runAll(work, machineInfo);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function runAll(work: string, machineInfo: ReturnType<typeof machine>) {
  const poolPath = join(work, "pool.json");
  log(`generating ${ACTIVE_KEYS.toLocaleString()} real Ed25519 key pairs`);
  const pool = makePool(poolPath, ACTIVE_KEYS);
  const smallDb = join(work, "small.db");
  const smallCount = await seedDatabase(smallDb, { pool, active: SMALL_KEYS, filler: 0 });
  log(`small database: ${smallCount} keys (${SMALL_KEYS} per-request, 100 reusable, 1 keys:manage)`);

  const load = startLoad(poolPath);
  await load.ready;

  // 1. the bound: raw verifications on one core, and hello world on the same HTTP stack
  log("1. bound: raw Ed25519 verify on CPU 0");
  const rawChild = spawnPinned(0, "server.ts", ["raw", poolPath]);
  const raw = (await nextMessage<Extract<ServerMessage, { type: "raw" }>>(rawChild, "raw")).result as RawVerifyResult;
  log(
    `  node:crypto verify ${fmt(raw.nodeVerifyPerSec, 0)}/s, jose ${fmt(raw.joseVerifyPerSec, 0)}/s, createVerifier in memory ${fmt(raw.coreVerifyPerSec, 0)}/s`,
  );

  log("1. bound: hello world (Hono on @hono/node-server)");
  let server = await startServer("hello", []);
  const hello = await measure(load, server, {
    port: server.port,
    path: BARE_HELLO_PATH,
    tokens: { kind: "none" },
    connections: CONNECTIONS,
    duration: DURATION,
  });
  await server.stop();
  const bound = 1 / (1 / raw.nodeVerifyPerSec + 1 / hello.rps);
  const expected = bound * 1.1; // token budget: nothing can beat the bound by much

  // 2. Signet, per-request assertions, 100 keys in SQLite behind the cache
  server = await startServer("signet", [smallDb, "silent"]);
  log(`2. Signet per-request assertions (${SMALL_KEYS} keys, replay on, request binding on)`);
  const perRequest = await measure(load, server, {
    port: server.port,
    path: PROTECTED_PATH,
    tokens: {
      kind: "per-request",
      keys: "perRequest",
      from: 0,
      to: SMALL_KEYS,
      count: tokensFor(expected, WARMUP + DURATION),
      save: "per-request",
    },
    connections: CONNECTIONS,
    duration: DURATION,
  });

  // 3. Signet, reusable tokens from the verified-token cache
  log("3. Signet reusable tokens (verified-token cache)");
  const reusable = await measure(load, server, {
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "reusable" },
    connections: CONNECTIONS,
    duration: DURATION,
  });

  // Latency at half of peak: the same server, protected route vs. an unprotected one
  const halfRate = Math.max(1, Math.round(perRequest.rps / 2));
  log(`half load (${halfRate} req/s): unprotected route on the Signet app`);
  const halfUnprotected = await measure(load, server, {
    port: server.port,
    path: HELLO_PATH,
    tokens: { kind: "none" },
    connections: 16,
    duration: DURATION,
    rate: halfRate,
  });
  log(`half load (${halfRate} req/s): protected route, per-request assertions`);
  const halfProtected = await measure(load, server, {
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "per-request", keys: "perRequest", from: 0, to: SMALL_KEYS, count: tokensFor(halfRate, WARMUP + DURATION) },
    connections: 16,
    duration: DURATION,
    rate: halfRate,
  });

  // Key creation through the API (server-generated pairs), signed by a keys:manage key
  log("key creation: POST /v1/keys (server-generated key pairs)");
  const creation = await measure(
    load,
    server,
    {
      port: server.port,
      path: "/v1/keys",
      method: "POST",
      body: JSON.stringify({ name: "bench", scopes: ["orders:read"] }),
      tokens: { kind: "per-request", keys: "manage", from: 0, to: 1, count: tokensFor(Math.min(expected, 4000), WARMUP + 5) },
      connections: 8,
      duration: 5,
    },
    5,
  );
  const smallStats = await server.stats();
  await server.stop();

  // The per-request log line costs real work: the same scenario with JSON logs (to /dev/null)
  log("2b. Signet per-request assertions with the JSON request log on");
  server = await startServer("signet", [smallDb, "json"]);
  const withLogs = await measure(load, server, {
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "per-request", keys: "perRequest", from: 0, to: SMALL_KEYS, count: tokensFor(expected, WARMUP + DURATION) },
    connections: CONNECTIONS,
    duration: DURATION,
  });
  await server.stop();

  // 4. the peer: Fastify + @fastify/jwt, the same tokens and public keys
  log("4. peer: Fastify + @fastify/jwt (same EdDSA tokens, same public keys)");
  server = await startServer("fastify", [poolPath]);
  const peer = await measure(load, server, {
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "saved", name: "per-request" },
    connections: CONNECTIONS,
    duration: DURATION,
  });
  await server.stop();

  // Scale: 1,000,000 keys in SQLite, 10,000 active
  log(`scale: seeding ${TOTAL_KEYS.toLocaleString()} keys into SQLite`);
  const bigDb = join(work, "large.db");
  const seedStarted = performance.now();
  const bigCount = await seedDatabase(bigDb, { pool, active: ACTIVE_KEYS, filler: Math.max(0, TOTAL_KEYS - ACTIVE_KEYS - 101) });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`  ${bigCount.toLocaleString()} keys in ${fmt(seedSeconds, 1)} s`);
  server = await startServer("signet", [bigDb, "silent"]);
  // warm the JIT on keys outside the probe range, then time first lookups one at a time
  await load.run({
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "per-request", keys: "perRequest", from: ACTIVE_KEYS - 500, to: ACTIVE_KEYS, count: 3000 },
    connections: 8,
    duration: 0,
    amount: 3000,
  });
  log(`scale: first lookup of ${PROBE_KEYS} keys, one request at a time`);
  const firstLookup = await load.run({
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "per-request", keys: "perRequest", from: 0, to: PROBE_KEYS, count: PROBE_KEYS },
    connections: 1,
    duration: 0,
    amount: PROBE_KEYS,
  });
  const warmLookup = await load.run({
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "per-request", keys: "perRequest", from: 0, to: PROBE_KEYS, count: PROBE_KEYS },
    connections: 1,
    duration: 0,
    amount: PROBE_KEYS,
  });
  log(
    `  first lookup p50 ${fmt(firstLookup.p50, 2)} ms, p99 ${fmt(firstLookup.p99, 2)} ms; cached p50 ${fmt(warmLookup.p50, 2)} ms, p99 ${fmt(warmLookup.p99, 2)} ms`,
  );
  log(`scale: per-request assertions over ${ACTIVE_KEYS.toLocaleString()} active keys`);
  const scale = await measure(load, server, {
    port: server.port,
    path: PROTECTED_PATH,
    tokens: { kind: "per-request", keys: "perRequest", from: 0, to: ACTIVE_KEYS, count: tokensFor(expected, WARMUP + DURATION) },
    connections: CONNECTIONS,
    duration: DURATION,
  });
  const bigStats = await server.stats();
  await server.stop();
  load.stop();

  // Workers: CPU time per verified request inside workerd
  log("workerd: CPU time per verified request");
  const workerd: WorkerdResult = await measureWorkerd({ root, work, pool, log });

  const results = report({
    machineInfo,
    raw,
    hello,
    bound,
    perRequest,
    withLogs,
    reusable,
    peer,
    halfRate,
    halfUnprotected,
    halfProtected,
    creation,
    smallStats,
    scale,
    bigStats,
    bigCount,
    seedSeconds,
    firstLookup,
    warmLookup,
    workerd,
  });
  mkdirSync(join(root, "bench"), { recursive: true });
  writeFileSync(join(root, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote bench/results.json (${((Date.now() - startedAt) / 1000).toFixed(0)} s in all)`);
}

interface Figures {
  machineInfo: ReturnType<typeof machine>;
  raw: RawVerifyResult;
  hello: Measured;
  bound: number;
  perRequest: Measured;
  withLogs: Measured;
  reusable: Measured;
  peer: Measured;
  halfRate: number;
  halfUnprotected: Measured;
  halfProtected: Measured;
  creation: Measured;
  smallStats: Extract<ServerMessage, { type: "stats" }>;
  scale: Measured;
  bigStats: Extract<ServerMessage, { type: "stats" }>;
  bigCount: number;
  seedSeconds: number;
  firstLookup: LoadResult;
  warmLookup: LoadResult;
  workerd: WorkerdResult;
}

function report(f: Figures) {
  const row = (name: string, m: { rps: number; p50: number; p99: number; serverCpuPerRequest?: number }) => ({
    name,
    rps: Math.round(m.rps),
    p50: round(m.p50, 3),
    p99: round(m.p99, 3),
    serverCpuMicrosPerRequest: m.serverCpuPerRequest === undefined ? null : Math.round(m.serverCpuPerRequest),
  });
  const rows = [
    { ...row("1a. raw Ed25519 verify, node:crypto (one core)", { rps: f.raw.nodeVerifyPerSec, p50: Number.NaN, p99: Number.NaN }), serverCpuMicrosPerRequest: Math.round(1e6 / f.raw.nodeVerifyPerSec) },
    row("1b. hello world, Hono on @hono/node-server", f.hello),
    { ...row("1.  combined bound 1/(1/verify + 1/hello)", { rps: f.bound, p50: Number.NaN, p99: Number.NaN }), serverCpuMicrosPerRequest: Math.round(1e6 / f.bound) },
    row(`2.  Signet, per-request assertions (${SMALL_KEYS} keys)`, f.perRequest),
    row("2b. Signet, per-request, JSON request log on", f.withLogs),
    row("3.  Signet, reusable tokens (verified-token cache)", f.reusable),
    row("4.  peer: Fastify + @fastify/jwt", f.peer),
    row(`5.  Signet, per-request, ${(f.bigCount / 1e6).toFixed(1)}M keys, ${ACTIVE_KEYS.toLocaleString()} active`, f.scale),
    row(`6a. half load ${f.halfRate} req/s, unprotected route`, f.halfUnprotected),
    row(`6b. half load ${f.halfRate} req/s, protected route`, f.halfProtected),
    row("7.  key creation, POST /v1/keys", f.creation),
  ];
  const verificationAddsP99 = f.halfProtected.p99 - f.halfUnprotected.p99;
  const ratios = [
    { name: "2 / bound", value: f.perRequest.rps / f.bound, target: 0.9, kind: ">=" },
    { name: "2 / peer", value: f.perRequest.rps / f.peer.rps, target: 1.0, kind: ">=" },
    { name: "3 / hello", value: f.reusable.rps / f.hello.rps, target: 0.8, kind: ">=" },
    { name: "5 / 2 (1M keys vs 100)", value: f.scale.rps / f.perRequest.rps, target: 0.9, kind: ">=" },
    { name: "p99 6b - 6a, ms", value: verificationAddsP99, target: 1.0, kind: "<=" },
    { name: "first-lookup p99, ms", value: f.firstLookup.p99, target: 2.0, kind: "<=" },
    { name: "key creation, keys/s", value: f.creation.rps, target: 1000, kind: ">=" },
  ].map((r) => ({ ...r, value: round(r.value, 3), met: r.kind === ">=" ? r.value >= r.target : r.value <= r.target }));

  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const memory = {
    smallDatabase: { rssMB: mb(f.smallStats.rss), heapMB: mb(f.smallStats.heapUsed), keyCacheEntries: f.smallStats.keyCacheEntries },
    largeDatabase: { rssMB: mb(f.bigStats.rss), heapMB: mb(f.bigStats.heapUsed), keyCacheEntries: f.bigStats.keyCacheEntries },
    limits: { keyCacheEntries: 50_000, replayEntries: 2_000_000, verifiedTokenCacheEntries: 10_000 },
  };

  // The table
  const lines: string[] = [];
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "server CPU µs/req"];
  const cells = rows.map((r) => [r.name, fmt(r.rps, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.serverCpuMicrosPerRequest, 0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(" | ")} |`;
  lines.push(line(header), `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`);
  for (const c of cells) lines.push(line(c));
  lines.push("");
  lines.push("| ratio | value | target | met |", "|---|---:|---:|:---:|");
  for (const r of ratios) lines.push(`| ${r.name} | ${fmt(r.value, 3)} | ${r.kind} ${r.target} | ${r.met ? "yes" : "NO"} |`);
  lines.push("");
  lines.push(
    `first lookup (1 connection, ${PROBE_KEYS} keys never seen): p50 ${fmt(f.firstLookup.p50, 2)} ms, p99 ${fmt(f.firstLookup.p99, 2)} ms; ` +
      `the same keys cached: p50 ${fmt(f.warmLookup.p50, 2)} ms, p99 ${fmt(f.warmLookup.p99, 2)} ms`,
    `resident memory: ${memory.smallDatabase.rssMB} MB after the ${SMALL_KEYS}-key runs (key cache ${memory.smallDatabase.keyCacheEntries} entries); ` +
      `${memory.largeDatabase.rssMB} MB after the ${(f.bigCount / 1e6).toFixed(1)}M-key run (key cache ${memory.largeDatabase.keyCacheEntries} entries; limits: key cache 50,000, replay 2,000,000, verified tokens 10,000)`,
    `raw verify: node:crypto ${fmt(f.raw.nodeVerifyPerSec, 0)}/s, jose (Web Crypto) ${fmt(f.raw.joseVerifyPerSec, 0)}/s, createVerifier end to end in memory ${fmt(f.raw.coreVerifyPerSec, 0)}/s`,
    `JSON request log costs ${fmt((1 - f.withLogs.rps / f.perRequest.rps) * 100, 1)}% of per-request throughput (${fmt(f.withLogs.serverCpuPerRequest - f.perRequest.serverCpuPerRequest, 0)} µs CPU/req)`,
    `seeding ${f.bigCount.toLocaleString()} keys took ${fmt(f.seedSeconds, 1)} s`,
    f.workerd.available
      ? `workerd: ${fmt(f.workerd.cpuMicrosPerRequest, 0)} µs CPU per verified request (${f.workerd.detail})`
      : `workerd: n/a (${f.workerd.detail})`,
    `machine: ${f.machineInfo.cpus} CPUs ${f.machineInfo.model}, Node ${f.machineInfo.node}, load average at start ${f.machineInfo.loadAverageAtStart.join(" ")}, at end ${loadavg().map((v) => v.toFixed(2)).join(" ")}; pinned: ${f.machineInfo.pinned ? "server CPU 0, load CPU 1" : "no"}`,
  );
  process.stdout.write(`\n${lines.join("\n")}\n`);

  return {
    date: new Date().toISOString(),
    machine: { ...f.machineInfo, loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100) },
    settings: { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, halfLoadConnections: 16, creationConnections: 8 },
    raw: f.raw,
    rows,
    ratios,
    boundRps: Math.round(f.bound),
    firstLookup: { p50: round(f.firstLookup.p50, 3), p99: round(f.firstLookup.p99, 3), keys: PROBE_KEYS },
    cachedLookup: { p50: round(f.warmLookup.p50, 3), p99: round(f.warmLookup.p99, 3) },
    memory,
    scale: { keys: f.bigCount, active: ACTIVE_KEYS, seedSeconds: round(f.seedSeconds, 1) },
    workerd: f.workerd,
    details: {
      hello: f.hello,
      perRequest: f.perRequest,
      withLogs: f.withLogs,
      reusable: f.reusable,
      peer: f.peer,
      scale: f.scale,
      halfUnprotected: f.halfUnprotected,
      halfProtected: f.halfProtected,
      creation: f.creation,
      firstLookup: f.firstLookup,
      warmLookup: f.warmLookup,
    },
    table: lines.join("\n"),
  };
}

const round = (value: number, digits: number) =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : null;

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  cleanup();
  process.exit(1);
});
