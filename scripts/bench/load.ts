/**
 * The load generator, started by run.ts pinned to the other CPU (`taskset -c 1`). For each job
 * it signs the tokens first (outside the measurement), then sends the load, rotating through
 * the tokens so every per-request assertion is sent once:
 * - closed loop (as fast as possible): autocannon, `connections` requests in flight;
 * - open loop at a fixed rate (`rate`): requests leave on a schedule, each timed from the moment
 *   it was due, so a slow server shows up as latency (autocannon's own rate limit sends each
 *   second's quota back to back, which measures saturation, not half load).
 * Latencies are recorded per response at sub-millisecond resolution (autocannon's histogram
 * rounds to whole milliseconds).
 */
import { Agent, request as httpRequest } from "node:http";
import autocannon from "autocannon";
import { type KeyPool, type LoadJob, type LoadResult, type PoolKey, readPool, signToken } from "./shared.js";

const pool: KeyPool = readPool(process.argv[2] as string);
/** The tokens of the last job that signed or chose some; "continue" carries on through them. */
let tokens: string[] = [];
let next = 0;
const saved = new Map<string, string[]>();

/** The Authorization values this job sends (none for "none", without forgetting the others). */
function prepareTokens(job: LoadJob): string[] {
  const spec = job.tokens;
  if (spec.kind === "none") return [];
  if (spec.kind === "continue") return tokens;
  next = 0;
  if (spec.kind === "reuse-last") return tokens;
  if (spec.kind === "saved") {
    tokens = saved.get(spec.name) ?? [];
    return tokens;
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
  // the client SDK's default lifetime: a run signs right before it sends
  const options = { bound, method: job.method ?? "GET", path: job.path, lifetime: 60 };
  tokens = new Array<string>(count);
  for (let i = 0; i < count; i++) tokens[i] = `Bearer ${signToken(keys[i % keys.length]!, options)}`;
  if (spec.kind === "per-request" && spec.save) saved.set(spec.save, tokens);
  return tokens;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

class Latencies {
  private values = new Float64Array(1 << 16);
  count = 0;
  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }
}

interface Outcome {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

/** Closed loop: autocannon with `connections` requests in flight. */
async function closedLoop(job: LoadJob, auth: string[], latencies: Latencies): Promise<Outcome> {
  const baseHeaders: Record<string, string> = job.body ? { "content-type": "application/json" } : {};
  const request = {
    method: job.method ?? "GET",
    path: job.path,
    ...(job.body ? { body: job.body } : {}),
    headers: baseHeaders,
    ...(auth.length > 0
      ? {
          setupRequest: (req: { headers?: Record<string, string> }) => ({
            ...req,
            headers: { ...baseHeaders, authorization: auth[next++ % auth.length]! },
          }),
        }
      : {}),
  };
  const instance = autocannon({
    url: `http://127.0.0.1:${job.port}`,
    connections: job.connections,
    ...(job.amount ? { amount: job.amount } : { duration: job.duration }),
    requests: [request],
  });
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.add(responseTime);
  });
  const result = await instance;
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count;
  return {
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

/** Open loop: `rate` requests per second on a fixed schedule, over up to `connections` sockets. */
function openLoop(job: LoadJob, auth: string[], latencies: Latencies): Promise<Outcome> {
  const rate = job.rate as number;
  const total = job.amount ?? Math.round(rate * job.duration);
  const interval = 1000 / rate;
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const outcome: Outcome = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {} };
  const start = performance.now() + 10;
  let sent = 0;
  let finished = 0;
  return new Promise((resolveRun) => {
    const done = () => {
      if (++finished === total) {
        agent.destroy();
        resolveRun(outcome);
      }
    };
    const fire = (due: number) => {
      const headers: Record<string, string> = job.body ? { "content-type": "application/json" } : {};
      if (auth.length > 0) headers.authorization = auth[next++ % auth.length]!;
      const req = httpRequest(
        { agent, host: "127.0.0.1", port: job.port, path: job.path, method: job.method ?? "GET", headers },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            outcome.statusCodes[status] = (outcome.statusCodes[status] ?? 0) + 1;
            if (status >= 200 && status < 300) {
              outcome.ok++;
              latencies.add(performance.now() - due); // from when it was due, not when it left
            } else outcome.non2xx++;
            done();
          });
        },
      );
      req.setTimeout(10_000, () => {
        outcome.timeouts++;
        req.destroy();
      });
      req.on("error", () => {
        outcome.errors++;
        done();
      });
      req.end(job.body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent < total) setImmediate(tick);
    };
    setImmediate(tick);
  });
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const signStarted = performance.now();
  const auth = prepareTokens(job);
  const signMs = performance.now() - signStarted;
  const latencies = new Latencies();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // Polling keeps this process from sleeping between responses, so its own wake-up (a halted
  // vCPU on a VM: tens of µs, sometimes ms) is not counted as the server's latency.
  let polling = job.poll === true;
  const poll = () => {
    if (polling) setImmediate(poll);
  };
  if (polling) setImmediate(poll);
  const outcome = job.rate ? await openLoop(job, auth, latencies) : await closedLoop(job, auth, latencies);
  polling = false;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = latencies.sorted();
  return {
    requests: outcome.ok + outcome.non2xx,
    ok: outcome.ok,
    non2xx: outcome.non2xx,
    errors: outcome.errors,
    timeouts: outcome.timeouts,
    seconds,
    rps: outcome.ok / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    signed: job.tokens.kind === "per-request" || job.tokens.kind === "reusable" ? auth.length : 0,
    signMs,
    statusCodes: outcome.statusCodes,
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
