/**
 * Starting workers in workerd from vitest, fully offline: wrangler's own dev server API
 * (unstable_startWorker) in local mode, with no metrics, no update check and no Request.cf
 * download. A missing workerd fails the suite under CI=true and skips it elsewhere.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { describeWithTools, toolProblem } from "../support/tools.js";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const WRANGLER_BIN = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
export const SIGNET_BIN = join(ROOT, "bin", "signet.js");

/** The environment every wrangler and workerd process in these tests gets: offline and quiet. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // never talk to Cloudflare: no account, no token, no metrics, no cf.json, no update check
  for (const name of Object.keys(env)) if (name.startsWith("CLOUDFLARE_")) delete env[name];
  return {
    ...env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
    WRANGLER_LOG: "error",
    ...extra,
  };
}

// The in-process wrangler (unstable_startWorker) reads these from this process.
Object.assign(process.env, {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
});

function workerdProblem(): string | null {
  let binary: string;
  try {
    binary = (createRequire(import.meta.url)("workerd") as { default: string }).default;
  } catch (error) {
    return `cannot resolve the workerd package: ${(error as Error).message}`;
  }
  return toolProblem(binary, ["--version"], (output) => /workerd/.test(output));
}

/** describe() for suites that run workerd. */
export function describeInWorkerd(name: string, body: () => void): void {
  describeWithTools(
    name,
    [{ what: "workerd", install: "npm install (wrangler brings workerd)", problem: workerdProblem() }],
    body,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const found = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(found));
    });
  });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> <args>` from the project root and collects its output. */
export function runNode(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

export interface StartedWorker {
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/**
 * Starts a worker from a Wrangler config in local workerd (wrangler's own bundler and
 * Miniflare), listening on 127.0.0.1:`port`. `vars` override the config's.
 */
export async function startWorker(options: {
  config: string;
  port: number;
  persist: string | false;
  vars?: Record<string, string>;
}): Promise<StartedWorker> {
  const { unstable_startWorker } = await import("wrangler");
  const bindings = Object.fromEntries(
    Object.entries(options.vars ?? {}).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  );
  const worker = await unstable_startWorker({
    config: options.config,
    env: "",
    bindings,
    dev: {
      remote: false,
      persist: options.persist,
      server: { hostname: "127.0.0.1", port: options.port },
      inspector: false,
      watch: false,
      liveReload: false,
      logLevel: "warn",
    },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return {
    url,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    dispose: () => worker.dispose(),
  };
}
