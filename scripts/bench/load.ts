/**
 * The load generator, started by run.ts pinned to the other CPU (`taskset -c 1`). For each job
 * it signs the tokens first (outside the measurement), then drives autocannon against the
 * loopback server, rotating through the tokens so every per-request assertion is sent once.
 * Latencies are recorded per response at sub-millisecond resolution (autocannon's own
 * histogram rounds to whole milliseconds).
 */
import autocannon from "autocannon";
import { type KeyPool, type LoadJob, type LoadResult, type PoolKey, readPool, signToken } from "./shared.js";

const pool: KeyPool = readPool(process.argv[2] as string);
let tokens: string[] = [];
/** Rotation index into `tokens`; "continue" jobs carry on where the last job stopped. */
let next = 0;
const saved = new Map<string, string[]>();

function prepareTokens(job: LoadJob): void {
  const spec = job.tokens;
  if (spec.kind === "continue") return;
  next = 0;
  if (spec.kind === "reuse-last") return;
  if (spec.kind === "saved") {
    tokens = saved.get(spec.name) ?? [];
    return;
  }
  if (spec.kind === "none") {
    tokens = [];
    return;
  }
  let keys: PoolKey[];
  let bound = true;
  if (spec.kind === "reusable") {
    keys = pool.reusable;
    bound = false;
  } else {
    keys = spec.keys === "manage" ? [pool.manage] : pool.perRequest.slice(spec.from, spec.to);
  }
  const count = spec.kind === "reusable" ? keys.length : spec.count;
  const options = { bound, method: job.method ?? "GET", path: job.path, lifetime: 240 };
  tokens = new Array<string>(count);
  for (let i = 0; i < count; i++) tokens[i] = `Bearer ${signToken(keys[i % keys.length]!, options)}`;
  if (spec.kind === "per-request" && spec.save) saved.set(spec.save, tokens);
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const signStarted = performance.now();
  prepareTokens(job);
  const signMs = performance.now() - signStarted;
  const baseHeaders: Record<string, string> = job.body ? { "content-type": "application/json" } : {};
  const request = {
    method: job.method ?? "GET",
    path: job.path,
    ...(job.body ? { body: job.body } : {}),
    headers: baseHeaders,
    ...(tokens.length > 0
      ? {
          setupRequest: (req: { headers?: Record<string, string> }) => ({
            ...req,
            headers: { ...baseHeaders, authorization: tokens[next++ % tokens.length]! },
          }),
        }
      : {}),
  };
  const url = `http://127.0.0.1:${job.port}`;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const instance = autocannon({
    url,
    connections: job.connections,
    ...(job.amount ? { amount: job.amount } : { duration: job.duration }),
    requests: [request],
    ...(job.rate ? { overallRate: job.rate } : {}),
  });
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode < 200 || statusCode >= 300) return;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTime;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = latencies.slice(0, count).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count;
  const requests = result["2xx"] + result.non2xx;
  return {
    requests,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    rps: result["2xx"] / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    signed: ["per-request", "reusable"].includes(job.tokens.kind) ? tokens.length : 0,
    signMs,
    statusCodes,
  };
}

process.on("message", (message: { type: "job"; id: number; job: LoadJob } | { type: "exit" }) => {
  if (message.type === "exit") process.exit(0);
  runJob(message.job).then(
    (result) => process.send?.({ type: "result", id: message.id, result }),
    (error: unknown) => process.send?.({ type: "error", id: message.id, error: String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready" });
