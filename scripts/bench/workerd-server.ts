/**
 * Runs wrangler.toml's worker in local workerd (wrangler's own dev server, as test/workers does),
 * fully offline, for the bench. Started by workerd.ts pinned to CPU 0, so workerd is too.
 * Answers `stats` with the CPU time of its workerd processes, read from /proc.
 */
import { readdirSync, readFileSync } from "node:fs";
import { PUBLIC_URL } from "./shared.js";

const [config, persist, port] = process.argv.slice(2) as [string, string, string];
Object.assign(process.env, {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_LOG: "error",
});
for (const name of Object.keys(process.env)) if (name.startsWith("CLOUDFLARE_API")) delete process.env[name];

const TICKS_PER_SECOND = 100;

/** Every process below `pid`. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      // the task ended
    }
    for (const child of children) found.push(child, ...descendants(child));
  }
  return found;
}

/** user + system CPU of the workerd processes, microseconds. */
function workerdCpuMicros(): { micros: number; processes: number } {
  let ticks = 0;
  let processes = 0;
  for (const pid of descendants(process.pid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!name.includes("workerd")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      processes++;
    } catch {
      // gone
    }
  }
  return { micros: (ticks / TICKS_PER_SECOND) * 1e6, processes };
}

async function main() {
  const { unstable_startWorker } = await import("wrangler");
  const plain = (value: string) => ({ type: "plain_text" as const, value });
  const worker = await unstable_startWorker({
    config,
    env: "",
    bindings: { SIGNET_PUBLIC_URL: plain(PUBLIC_URL), SIGNET_LOG: plain("silent") },
    dev: {
      remote: false,
      persist,
      server: { hostname: "127.0.0.1", port: Number(port) },
      inspector: false,
      watch: false,
      liveReload: false,
      logLevel: "error",
    },
  });
  await worker.ready;
  const url = new URL((await worker.url).origin);
  process.on("message", (message: { type: string }) => {
    if (message.type === "stats") {
      const cpu = workerdCpuMicros();
      process.send?.({ type: "stats", cpuMicros: cpu.micros, processes: cpu.processes });
    } else if (message.type === "exit") {
      void worker.dispose().finally(() => process.exit(0));
    }
  });
  process.send?.({ type: "ready", port: Number(url.port) });
}

process.on("disconnect", () => process.exit(0));
main().catch((error: unknown) => {
  process.stderr.write(`workerd bench server failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
