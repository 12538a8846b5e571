/**
 * The real thing: `signet serve` as a child process on a real port and SQLite file, and the
 * CLI (operator and client commands) as separate processes against it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCredentials } from "../../src/client/credentials.js";
import { createSigner } from "../../src/client/signer.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "signet.js");

let dir: string;
let port: number;
let base: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | undefined;
let serverOutput = "";

function freePort(): Promise<number> {
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

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `signet <args>` as a child process in the test's directory. */
function signet(args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
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
      reject(new Error(`signet ${args.join(" ")} timed out\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

async function waitForHealth(deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = "";
  while (Date.now() < until) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) {
      throw new Error(`signet serve exited with ${server.exitCode}:\n${serverOutput}`);
    }
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (error) {
      last = String((error as { cause?: unknown }).cause ?? error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`signet serve did not become healthy (${last}):\n${serverOutput}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "signet-e2e-"));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const { SIGNET_CREDENTIALS: _unset, ...inherited } = process.env;
  env = {
    ...inherited,
    PORT: String(port),
    HOST: "127.0.0.1",
    SIGNET_PUBLIC_URL: base,
    DATABASE_URL: `file:${join(dir, "signet.db")}`,
    SIGNET_LOG: "silent",
    NO_COLOR: "1",
  };
  server = spawn(process.execPath, [BIN, "serve"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (chunk: Buffer) => {
    serverOutput += chunk;
  });
  server.stderr?.on("data", (chunk: Buffer) => {
    serverOutput += chunk;
  });
  await waitForHealth(25_000);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once("exit", r));
    server.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("signet serve + CLI", () => {
  let keyId = "";
  const credentialsPath = () => join(dir, "k.json");

  it("serve migrated the database, answers /healthz and tells the operator how to start", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(await res.json()).toEqual({ status: "ok", checks: { database: "ok" } });
    expect(serverOutput).toContain(`Signet is listening on http://localhost:${port}`);
  });

  it("accounts create, keys create --out", async () => {
    const account = await signet(["accounts", "create", "acme"]);
    expect(account.stderr).toBe("");
    expect(account.code).toBe(0);
    expect(account.stdout).toMatch(/^created account acme \(acc_[0-9A-HJKMNP-TV-Z]{26}\)\n$/);

    const created = await signet([
      "keys",
      "create",
      "--account",
      "acme",
      "--name",
      "ci",
      "--scopes",
      "demo:read",
      "--out",
      "k.json",
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^created key_[0-9A-HJKMNP-TV-Z]{26} \(demo:read\); credentials written to k\.json\n$/,
    );
    expect(created.stdout).not.toContain("PRIVATE KEY");
    expect(statSync(credentialsPath()).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(credentialsPath(), "utf8"));
    expect(file).toMatchObject({ type: "signet_service_key", audience: base, scopes: ["demo:read"] });
    keyId = file.key_id;
    expect(created.stdout).toContain(keyId);

    // never overwrites an existing credentials file
    const again = await signet([
      "keys",
      "create",
      "--account",
      "acme",
      "--name",
      "ci2",
      "--scopes",
      "demo:read",
      "--out",
      "k.json",
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("signet: k.json already exists; not overwriting it (choose another --out)\n");
    expect(JSON.parse(readFileSync(credentialsPath(), "utf8")).key_id).toBe(keyId);
  });

  it("request --credentials signs, sends and prints the response", async () => {
    const res = await signet(["request", "--credentials", "k.json", `${base}/v1/whoami`]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe("200 OK\n");
    expect(JSON.parse(res.stdout)).toEqual({
      key_id: keyId,
      account_id: expect.stringMatching(/^acc_/),
      scopes: ["demo:read"],
    });

    const echo = await signet([
      "request",
      "--credentials",
      "k.json",
      "-i",
      `${base}/v1/demo/echo?message=from-cli`,
    ]);
    expect(echo.code).toBe(0);
    expect(echo.stdout).toMatch(/^HTTP 200 OK\n/);
    expect(echo.stdout).toContain('"message":"from-cli"');

    // a refused request: non-zero exit (like curl --fail), the problem printed
    const refused = await signet(["request", "--credentials", "k.json", `${base}/v1/keys`]);
    expect(refused.code).toBe(22);
    expect(refused.stderr).toBe("403 Forbidden\n");
    expect(JSON.parse(refused.stdout)).toMatchObject({ code: "insufficient_scope" });
  });

  it("token prints a JWT the server accepts once, then refuses as replayed_token", async () => {
    const url = `${base}/v1/whoami`;
    const res = await signet(["token", "--credentials", "k.json", "--method", "GET", "--url", url]);
    expect(res.code).toBe(0);
    const token = res.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);

    const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(first.status).toBe(200);
    expect((await first.json()).key_id).toBe(keyId);
    const second = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(second.status).toBe(401);
    expect(second.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const problem = await second.json();
    expect(problem.code).toBe("replayed_token");
    expect(JSON.stringify(problem)).not.toContain(token);
  });

  it("keys revoke on the database while the server runs: refused within 1 s", async () => {
    const credentials = await loadCredentials(credentialsPath());
    const signer = createSigner(credentials);
    const whoami = async () => {
      const url = `${base}/v1/whoami`;
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${await signer.sign({ method: "GET", url })}` },
      });
      return { status: res.status, body: (await res.json()) as { code?: string } };
    };
    expect((await whoami()).status).toBe(200); // the server has the key cached

    const revoked = await signet(["keys", "revoke", keyId]);
    const revokedAt = Date.now();
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`revoked ${keyId}\n`);

    let outcome = await whoami();
    while (outcome.status === 200 && Date.now() - revokedAt < 1_000) {
      await new Promise((r) => setTimeout(r, 25));
      outcome = await whoami();
    }
    const elapsed = Date.now() - revokedAt;
    expect(outcome).toEqual({ status: 401, body: expect.objectContaining({ code: "key_revoked" }) });
    expect(elapsed, `refused after ${elapsed} ms`).toBeLessThanOrEqual(1_000);

    const listed = await signet(["keys", "list", "--account", "acme", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: keyId, status: "revoked" })]);
  });

  it("errors are one line on stderr and a non-zero exit", async () => {
    const cases: Array<{ args: string[]; message: RegExp }> = [
      {
        args: ["keys", "create", "--account", "acme", "--name", "bad", "--scopes", "NOT A SCOPE"],
        message: /^signet: invalid_request: scopes: .+$/,
      },
      {
        args: ["keys", "create", "--account", "nobody", "--name", "x", "--scopes", "demo:read"],
        message: /^signet: not_found: no account "nobody"$/,
      },
      { args: ["accounts", "create", "acme"], message: /^signet: conflict: account acme already exists$/ },
      {
        args: ["request", "--credentials", "missing.json", `${base}/v1/whoami`],
        message: /^signet: invalid_credentials: cannot read credentials file missing\.json: ENOENT$/,
      },
      {
        args: [
          "keys",
          "create",
          "--account",
          "acme",
          "--name",
          "x",
          "--scopes",
          "demo:read",
          "--expires",
          "soon",
        ],
        message: /^signet: invalid duration "soon"/,
      },
    ];
    for (const { args, message } of cases) {
      const res = await signet(args);
      const label = args.join(" ");
      expect(res.code, label).not.toBe(0);
      expect(res.code, label).not.toBeNull();
      expect(res.stdout, label).toBe("");
      const lines = res.stderr.split("\n").filter(Boolean);
      expect(lines, `${label}: ${res.stderr}`).toHaveLength(1);
      expect(lines[0], label).toMatch(message);
      expect(res.stderr, label).not.toMatch(/\n\s+at /); // no stack trace
    }

    const nothingListed = await signet(["keys", "list", "--account", "acme", "--json"]);
    expect(JSON.parse(nothingListed.stdout).map((k: { name: string }) => k.name)).toEqual(["ci"]);
  });

  it("a bad configuration stops with one clear line", async () => {
    const saved = env;
    env = { ...saved, PORT: "70000" };
    try {
      const res = await signet(["keys", "list", "--account", "acme"]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^signet: configuration error: PORT: .+\n$/);
    } finally {
      env = saved;
    }
  });
});
