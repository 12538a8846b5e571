/** Child processes of the bench: pinned servers and the load generator, talking over IPC. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadJob, LoadResult } from "./shared.js";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "../..");
const startedAt = Date.now();

export const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);
export const elapsedSeconds = () => (Date.now() - startedAt) / 1000;

const children = new Set<ChildProcess>();
/** Stops every child this process started (by its own handle, nothing else). */
export function stopChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}

function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
export const pinning = canPin();

/** `node --import tsx scripts/bench/<script> args`, pinned to `cpu` when taskset and two CPUs exist. */
export function spawnPinned(
  cpu: number,
  script: string,
  args: string[],
  options: { quietStdout?: boolean; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const nodeArgs = [
    ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(" ") : []),
    "--import",
    "tsx",
    join(here, script),
    ...args,
  ];
  const [command, commandArgs] = pinning
    ? ["taskset", ["-c", String(cpu), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command as string, commandArgs as string[], {
    cwd: root,
    stdio: ["ignore", options.quietStdout === false ? "inherit" : "ignore", "inherit", "ipc"],
    env: { ...process.env, NODE_ENV: "production", ...options.env },
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** The next IPC message of `type` from `child`; rejects if it exits first or `timeoutMs` passes. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: string,
  timeoutMs = 600_000,
): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      clearTimeout(timer);
    };
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      cleanup();
      resolvePromise(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`bench child exited (${code}) before "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from a bench child within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export interface Server<S> {
  port: number;
  stats(): Promise<S>;
  stop(): Promise<void>;
}

/** A pinned server child that reports `ready` with its port and answers `stats`. */
export async function startServer<S extends { type: string }>(
  script: string,
  args: string[],
  options: { quietStdout?: boolean; readyTimeoutMs?: number } = {},
): Promise<Server<S>> {
  const child = spawnPinned(0, script, args, options);
  const { port } = await nextMessage<{ type: "ready"; port: number }>(child, "ready", options.readyTimeoutMs);
  return {
    port,
    async stats() {
      const reply = nextMessage<S>(child, "stats", 30_000);
      child.send({ type: "stats" });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.send({ type: "exit" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Load {
  run(job: LoadJob): Promise<LoadResult>;
  stop(): void;
}

/** The load generator: one long-lived child on CPU 1. */
export async function startLoad(poolPath: string): Promise<Load> {
  const child = spawnPinned(1, "load.ts", [poolPath]);
  await nextMessage(child, "ready", 60_000);
  let id = 0;
  return {
    async run(job) {
      const jobId = ++id;
      const reply = new Promise<LoadResult>((resolvePromise, reject) => {
        const onMessage = (message: { type: string; id: number; result?: LoadResult; error?: string }) => {
          if (message.id !== jobId) return;
          child.off("message", onMessage);
          child.off("exit", onExit);
          if (message.type === "result") resolvePromise(message.result as LoadResult);
          else reject(new Error(message.error));
        };
        const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
        child.on("message", onMessage);
        child.once("exit", onExit);
      });
      child.send({ type: "job", id: jobId, job });
      return reply;
    },
    stop() {
      if (child.exitCode === null) child.send({ type: "exit" });
    },
  };
}
