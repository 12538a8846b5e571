/**
 * `signet request` as a separate process against a real Signet server: -X, -H, -d @file,
 * -d @-, --json and -i, plus curl-like exit codes. (test/e2e/cli.test.ts covers the plain
 * GET and -i on a GET.)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSignet, startSignet } from "../support/signet-server.js";

const BIN = resolve(import.meta.dirname, "..", "..", "bin", "signet.js");

let running: RunningSignet;
let dir: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function signet(args: string[], stdin?: string): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, SIGNET_CREDENTIALS: "" },
      stdio: ["pipe", "pipe", "pipe"],
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
      fail(new Error(`signet ${args.join(" ")} timed out\n${stderr}`));
    }, 30_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? "");
  });
}

beforeAll(async () => {
  running = await startSignet();
  const { credentials } = await running.createKey(["keys:manage", "demo:read"]);
  dir = mkdtempSync(join(tmpdir(), "signet-cli-request-"));
  writeFileSync(join(dir, "k.json"), JSON.stringify(credentials), { mode: 0o600 });
});

afterAll(async () => {
  await running?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("signet request", () => {
  let keyId: string;

  it("--json sends a JSON body with POST (implied) and prints the response", async () => {
    const result = await signet([
      "request",
      "--credentials",
      "k.json",
      "--json",
      JSON.stringify({ name: "from-cli", scopes: ["orders:read"] }),
      `${running.origin}/v1/keys`,
    ]);
    expect(result.stderr).toBe("201 Created\n");
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.key).toMatchObject({ name: "from-cli", scopes: ["orders:read"], status: "active" });
    keyId = body.key.id;
  });

  it("-X PATCH with -H and -d @file", async () => {
    writeFileSync(join(dir, "patch.json"), JSON.stringify({ name: "renamed-by-file" }));
    const result = await signet([
      "request",
      "--credentials",
      "k.json",
      "-X",
      "PATCH",
      "-H",
      "Content-Type: application/json",
      "-d",
      "@patch.json",
      `${running.origin}/v1/keys/${keyId}`,
    ]);
    expect(result.stderr).toBe("200 OK\n");
    expect(JSON.parse(result.stdout)).toMatchObject({ id: keyId, name: "renamed-by-file" });
  });

  it("-d @- reads the body from stdin; -d without -X means POST", async () => {
    const result = await signet(
      [
        "request",
        "--credentials",
        "k.json",
        "-H",
        "content-type: application/json",
        "-d",
        "@-",
        `${running.origin}/v1/keys/${keyId}/rotate`,
      ],
      JSON.stringify({ grace_period_seconds: 60 }),
    );
    expect(result.stderr).toBe("201 Created\n");
    const body = JSON.parse(result.stdout);
    expect(body.previous.id).toBe(keyId);
    expect(body.credentials.key_id).toBe(body.key.id);
  });

  it("-i prints the status line and headers (and -H reaches the server)", async () => {
    const result = await signet([
      "request",
      "--credentials",
      "k.json",
      "-i",
      "-H",
      "X-Request-Id: cli-request-test-1",
      `${running.origin}/v1/whoami`,
    ]);
    expect(result.code).toBe(0);
    const [head, body] = result.stdout.split("\n\n");
    const lines = (head as string).split("\n");
    expect(lines[0]).toBe("HTTP 200 OK");
    expect(lines).toContain("content-type: application/json");
    expect(lines).toContain("x-request-id: cli-request-test-1"); // the server echoes the id it was sent
    expect(JSON.parse(body as string)).toMatchObject({ scopes: ["keys:manage", "demo:read"] });
  });

  it("-X POST with no body, and a refused request exits 22 with the problem on stdout", async () => {
    const revoke = await signet([
      "request",
      "--credentials",
      "k.json",
      "-X",
      "POST",
      `${running.origin}/v1/keys/${keyId}/revoke`,
    ]);
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.stdout)).toMatchObject({ id: keyId, status: "revoked" });

    const refused = await signet([
      "request",
      "--credentials",
      "k.json",
      "-X",
      "PATCH",
      "--json",
      "{}",
      `${running.origin}/v1/keys/${keyId}`,
    ]);
    expect(refused.code).toBe(22);
    expect(refused.stderr).toBe("409 Conflict\n");
    expect(JSON.parse(refused.stdout)).toMatchObject({ code: "conflict" });
  });

  it("a malformed -H is one clear line and a non-zero exit", async () => {
    const result = await signet([
      "request",
      "--credentials",
      "k.json",
      "-H",
      "no-colon",
      `${running.origin}/v1/whoami`,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("invalid header");
  });
});
