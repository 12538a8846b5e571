/**
 * Debian's nginx on loopback with the auth_request configuration from docs/gateways.md (the
 * block is read from the document, only addresses substituted), in front of a small upstream
 * that records what reaches it, and Signet's /v1/forward-auth. A signed request gets through
 * with X-Signet-Key-Id; a bad one gets 401 and never reaches the upstream.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Signer } from "../../src/client/signer.js";
import { freePort } from "../support/services.js";
import { type RunningSignet, startSignet } from "../support/signet-server.js";
import { describeWithTools, toolProblem } from "../support/tools.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** The ```nginx block of docs/gateways.md. */
export function documentedNginxConfig(): string {
  const doc = readFileSync(join(ROOT, "docs", "gateways.md"), "utf8");
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error("docs/gateways.md has no ```nginx block");
  return block;
}

interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describeWithTools(
  "nginx auth_request → /v1/forward-auth",
  [
    {
      what: "nginx with the auth_request module",
      install: "apt-get install nginx",
      problem: toolProblem("nginx", ["-V"], (out) => out.includes("--with-http_auth_request_module")),
    },
  ],
  () => {
    let dir: string;
    let nginx: ChildProcess;
    let nginxOutput = "";
    let upstream: Server;
    let running: RunningSignet;
    let origin: string;
    let signer: Signer;
    let keyId: string;
    let accountId: string;
    const hits: Hit[] = [];

    async function waitForPort(port: number): Promise<void> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        if (nginx.exitCode !== null) {
          const log = readFileSync(join(dir, "error.log"), "utf8");
          throw new Error(`nginx exited with ${nginx.exitCode}:\n${nginxOutput}\n${log}`);
        }
        const open = await new Promise<boolean>((done) => {
          const socket = connect(port, "127.0.0.1");
          socket.once("connect", () => {
            socket.destroy();
            done(true);
          });
          socket.once("error", () => done(false));
        });
        if (open) return;
        if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    beforeAll(async () => {
      upstream = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          hits.push({
            method: request.method ?? "",
            url: request.url ?? "",
            headers: request.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
          response.writeHead(200, { "content-type": "application/json" });
          response.end(
            JSON.stringify({ upstream: true, caller: request.headers["x-signet-key-id"] ?? null }),
          );
        });
      });
      await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
      const upstreamPort = (upstream.address() as AddressInfo).port;

      const nginxPort = await freePort();
      origin = `http://127.0.0.1:${nginxPort}`;
      // Signet's public origin is nginx's: that is the URL clients sign (htu)
      running = await startSignet({ publicUrl: () => origin });
      const key = await running.createKey(["orders:read", "orders:write"]);
      signer = key.signer;
      keyId = key.credentials.key_id;
      accountId = key.credentials.account_id;

      dir = mkdtempSync(join(tmpdir(), "signet-nginx-"));
      chmodSync(dir, 0o755); // nginx's workers run as an unprivileged user when started as root
      const site = documentedNginxConfig()
        .replace("server 127.0.0.1:8787;", `server 127.0.0.1:${running.port};`)
        .replace("server 127.0.0.1:3000;", `server 127.0.0.1:${upstreamPort};`)
        .replace("listen 80;", `listen 127.0.0.1:${nginxPort};`);
      expect(site).toContain(`127.0.0.1:${running.port}`);
      expect(site).toContain(`127.0.0.1:${upstreamPort}`);
      const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`;
      writeFileSync(join(dir, "nginx.conf"), conf);
      nginx = spawn("nginx", ["-e", join(dir, "error.log"), "-p", dir, "-c", join(dir, "nginx.conf")], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      nginx.stdout?.on("data", (chunk: Buffer) => {
        nginxOutput += chunk;
      });
      nginx.stderr?.on("data", (chunk: Buffer) => {
        nginxOutput += chunk;
      });
      const reap = () => nginx.kill("SIGKILL");
      process.once("exit", reap);
      nginx.once("exit", () => process.off("exit", reap));
      await waitForPort(nginxPort);
    });

    afterAll(async () => {
      if (nginx && nginx.exitCode === null) {
        const exited = new Promise((done) => nginx.once("exit", done));
        nginx.kill("SIGTERM");
        await exited;
      }
      await running?.close();
      await new Promise((done) => upstream?.close(done));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function send(
      method: string,
      path: string,
      options: { token?: string | null; headers?: Record<string, string>; body?: string } = {},
    ): Promise<Response> {
      const url = `${origin}${path}`;
      const token = options.token === undefined ? await signer.sign({ method, url }) : options.token;
      return fetch(url, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
        body: options.body,
      });
    }

    it("passes a signed GET to the upstream with the caller's identity in X-Signet-* headers", async () => {
      const before = hits.length;
      const response = await send("GET", "/orders/42?expand=items");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ upstream: true, caller: keyId });
      expect(hits).toHaveLength(before + 1);
      const hit = hits[before] as Hit;
      expect(hit.method).toBe("GET");
      expect(hit.url).toBe("/orders/42?expand=items");
      expect(hit.headers["x-signet-key-id"]).toBe(keyId);
      expect(hit.headers["x-signet-account-id"]).toBe(accountId);
      expect(hit.headers["x-signet-scopes"]).toBe("orders:read orders:write");
      expect(hit.headers.authorization).toBeUndefined(); // the spent assertion is not forwarded
    });

    it("passes a signed POST with its body (the body never goes to Signet)", async () => {
      const before = hits.length;
      const body = JSON.stringify({ item: "book", quantity: 2 });
      const response = await send("POST", "/orders", {
        body,
        headers: { "content-type": "application/json" },
      });
      expect(response.status).toBe(200);
      expect(hits[before]).toMatchObject({ method: "POST", url: "/orders", body });
      expect(hits[before]?.headers["x-signet-key-id"]).toBe(keyId);
    });

    it("refuses bad requests with 401 and never reaches the upstream", async () => {
      const before = hits.length;
      const garbage = await send("GET", "/orders/42", { token: "not-a-jwt" });
      expect(garbage.status).toBe(401);
      expect(garbage.headers.get("www-authenticate")).toBe(
        'Bearer realm="signet", error="invalid_token", error_description="malformed_token"',
      );
      expect(garbage.headers.get("content-type")).toBe("application/problem+json");
      expect(await garbage.json()).toMatchObject({ status: 401, code: "invalid_token" });

      const missing = await send("GET", "/orders/42", { token: null });
      expect(missing.status).toBe(401);

      // a valid signature over the wrong request: signed for GET /orders/43, sent to /orders/42
      const elsewhere = await signer.sign({ method: "GET", url: `${origin}/orders/43` });
      const mismatch = await send("GET", "/orders/42", { token: elsewhere });
      expect(mismatch.status).toBe(401);
      expect(mismatch.headers.get("www-authenticate")).toContain('error_description="request_mismatch"');

      // a broken signature
      const genuine = await signer.sign({ method: "GET", url: `${origin}/orders/42` });
      const tampered = `${genuine.slice(0, -4)}${genuine.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
      expect((await send("GET", "/orders/42", { token: tampered })).status).toBe(401);

      // a replay of a token that got through once
      const once = await signer.sign({ method: "GET", url: `${origin}/orders/42` });
      expect((await send("GET", "/orders/42", { token: once })).status).toBe(200);
      const replay = await send("GET", "/orders/42", { token: once });
      expect(replay.status).toBe(401);
      expect(replay.headers.get("www-authenticate")).toContain('error_description="replayed_token"');

      expect(hits).toHaveLength(before + 1); // only the one good request
    });

    it("overwrites X-Signet-* headers a client sends, and refuses them without a valid token", async () => {
      const before = hits.length;
      const forged = { "x-signet-key-id": "key_00000000000000000000000000", "x-signet-scopes": "admin:*" };
      const refused = await send("GET", "/orders/1", { token: "x.y.z", headers: forged });
      expect(refused.status).toBe(401);
      expect(hits).toHaveLength(before);

      const allowed = await send("GET", "/orders/1", { headers: forged });
      expect(allowed.status).toBe(200);
      expect(hits[before]?.headers["x-signet-key-id"]).toBe(keyId);
      expect(hits[before]?.headers["x-signet-scopes"]).toBe("orders:read orders:write");
    });

    it("fails closed when Signet cannot be reached (nginx answers 500, the upstream sees nothing)", async () => {
      const before = hits.length;
      const token = await signer.sign({ method: "GET", url: `${origin}/orders/7` });
      await running.close();
      const response = await send("GET", "/orders/7", { token });
      expect(response.status).toBe(500);
      expect(hits).toHaveLength(before);
    });
  },
);
