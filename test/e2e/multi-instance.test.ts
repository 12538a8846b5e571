/**
 * Many machines, for real: two `signet serve` processes on different ports sharing one
 * PostgreSQL database and one Redis. A key created on one works on the other at once; a
 * token is accepted once across both; a revoke on one is refused by the other within 1 s
 * (measured and printed); with Redis gone both fail closed, and both recover when it is back.
 * Then the same pair without Redis: single use falls back to the database.
 *
 * Redis here is a private redis-server on a free port, so the test can kill it without
 * disturbing anything else on the machine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCredentials } from "../../src/client/credentials.js";
import { createSigner, type Signer } from "../../src/client/signer.js";
import type { CredentialsFile } from "../../src/core/credentials.js";
import { openNodeServices } from "../../src/entry/node-services.js";
import { cliActor } from "../../src/server/services/actor.js";
import {
  createTestDatabase,
  freePort,
  needPostgres,
  needRedisServer,
  type RedisServer,
  skippedSuite,
  startRedisServer,
  type TestDatabase,
} from "../support/services.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "signet.js");
/** Both instances serve one public origin (audience and htu), as behind one load balancer. */
const PUBLIC_URL = "http://signet.test";
const TRIALS = 50;

interface Instance {
  name: string;
  port: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

async function startInstance(name: string, env: Record<string, string | undefined>): Promise<Instance> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.REDIS_URL;
  delete childEnv.DATABASE_URL;
  Object.assign(childEnv, {
    ...env,
    PORT: String(port),
    HOST: "127.0.0.1",
    SIGNET_PUBLIC_URL: PUBLIC_URL,
    SIGNET_LOG: "json",
  });
  const child = spawn(process.execPath, [BIN, "serve"], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const instance = { name, port, child, output, exited };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at startup:\n${output.join("")}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return instance;
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy:\n${output.join("")}`);
    await sleep(100);
  }
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.kill("SIGTERM");
  const timer = setTimeout(() => instance.child.kill("SIGKILL"), 10_000);
  await instance.exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Signs a fresh token for `method path` (htu is the public URL) and sends it to `instance`. */
async function call(
  instance: Instance,
  signer: Signer,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return send(instance, await signer.sign({ method, url: `${PUBLIC_URL}${path}` }), method, path, body);
}

function send(
  instance: Instance,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`http://127.0.0.1:${instance.port}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function codeOf(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { code?: string }).code;
}

async function signerFor(credentials: CredentialsFile): Promise<Signer> {
  return createSigner(await loadCredentials(credentials as unknown as Record<string, unknown>));
}

/** A key made through instance's API; returns its id and a signer. */
async function createKeyOn(
  instance: Instance,
  admin: Signer,
  name: string,
): Promise<{ id: string; signer: Signer }> {
  const response = await call(instance, admin, "POST", "/v1/keys", { name, scopes: ["demo:read"] });
  expect(response.status, await response.clone().text()).toBe(201);
  const created = (await response.json()) as { key: { id: string }; credentials: CredentialsFile };
  return { id: created.key.id, signer: await signerFor(created.credentials) };
}

/** Bootstraps an account and a keys:manage key straight on the database (as `signet keys create` does). */
async function bootstrapAdmin(databaseUrl: string): Promise<Signer> {
  const services = await openNodeServices({ databaseUrl, audience: PUBLIC_URL }, { migrate: "never" });
  try {
    const account = await services.keys.createAccount("acme", cliActor);
    const created = await services.keys.createKey(
      account.id,
      { name: "admin", scopes: ["keys:manage", "demo:read"] },
      cliActor,
    );
    if (!created.credentials) throw new Error("expected server-generated credentials");
    return signerFor(created.credentials);
  } finally {
    await services.store.close();
  }
}

/** 100 copies of one token, sent at once, alternating between the instances. */
async function storm(
  instances: Instance[],
  signer: Signer,
): Promise<{ ok: number; replayed: number; other: string[] }> {
  const token = await signer.sign({ method: "GET", url: `${PUBLIC_URL}/v1/whoami` });
  const responses = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      send(instances[i % instances.length] as Instance, token, "GET", "/v1/whoami"),
    ),
  );
  const result = { ok: 0, replayed: 0, other: [] as string[] };
  for (const response of responses) {
    const code = response.status === 200 ? "ok" : await codeOf(response);
    if (code === "ok") result.ok++;
    else if (response.status === 401 && code === "replayed_token") result.replayed++;
    else result.other.push(`${response.status} ${code}`);
  }
  return result;
}

/**
 * Revokes a fresh key on `from` while `to` keeps calling with it; returns the ms from sending
 * the revoke until `to` first refused it (key_revoked), and the revoke call's own latency.
 */
async function revocationDelay(
  from: Instance,
  to: Instance,
  admin: Signer,
  n: number,
): Promise<{ delay: number; revokeMs: number }> {
  const key = await createKeyOn(from, admin, `revoked-${n}`);
  expect((await call(to, key.signer, "GET", "/v1/whoami")).status).toBe(200); // cached on `to`
  const started = performance.now();
  let revokeMs = Number.NaN;
  const revoking = call(from, admin, "POST", `/v1/keys/${key.id}/revoke`).then((response) => {
    revokeMs = performance.now() - started;
    return response;
  });
  let delay: number | undefined;
  while (delay === undefined) {
    const response = await call(to, key.signer, "GET", "/v1/whoami");
    const elapsed = performance.now() - started;
    if (response.status === 200) {
      await response.body?.cancel();
      if (elapsed > 5_000)
        throw new Error(`${to.name} still accepts a key revoked on ${from.name} after 5 s`);
      continue;
    }
    expect(response.status).toBe(401);
    expect(await codeOf(response)).toBe("key_revoked");
    delay = elapsed;
  }
  expect((await revoking).status).toBe(200);
  // and it stays refused
  const again = await call(to, key.signer, "GET", "/v1/whoami");
  expect(again.status).toBe(401);
  await again.body?.cancel();
  return { delay, revokeMs };
}

function summary(values: number[]): { p50: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor((sorted.length - 1) / 2)] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** Prints p50/max of the delays; resolves with each trial's delay after the revoke's response. */
async function measureRevocation(
  label: string,
  from: Instance,
  to: Instance,
  admin: Signer,
  trials: number,
): Promise<number[]> {
  const delays: number[] = [];
  const revokes: number[] = [];
  for (let n = 0; n < trials; n++) {
    const { delay, revokeMs } = await revocationDelay(
      n % 2 === 0 ? from : to,
      n % 2 === 0 ? to : from,
      admin,
      n,
    );
    delays.push(delay);
    revokes.push(revokeMs);
  }
  const d = summary(delays);
  const r = summary(revokes);
  // how long the other instance still accepted the key once the revoking client had its answer
  const afterResponse = delays.map((delay, i) => Math.max(0, delay - (revokes[i] as number)));
  const after = summary(afterResponse);
  console.log(
    `${label}: revoke on one instance -> refused by the other, over ${trials} trials: ` +
      `p50 ${d.p50.toFixed(1)} ms, max ${d.max.toFixed(1)} ms from sending the revoke ` +
      `(the revoke call itself: p50 ${r.p50.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; ` +
      `after its response: p50 ${after.p50.toFixed(1)} ms, max ${after.max.toFixed(1)} ms)`,
  );
  return afterResponse;
}

const available = (await needPostgres()) && (await needRedisServer());

if (available) {
  describe("many instances: PostgreSQL + Redis", () => {
    let db: TestDatabase;
    let redis: RedisServer;
    let a: Instance;
    let b: Instance;
    let admin: Signer;

    beforeAll(async () => {
      db = await createTestDatabase("multi");
      redis = await startRedisServer();
      admin = await bootstrapAdmin(db.url);
      const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
      [a, b] = await Promise.all([startInstance("A", env), startInstance("B", env)]);
    });

    afterAll(async () => {
      await Promise.all([stopInstance(a), stopInstance(b)]);
      await redis?.stop();
      await db?.drop();
    });

    it("reports the database and Redis on /healthz", async () => {
      for (const instance of [a, b]) {
        const response = await fetch(`http://127.0.0.1:${instance.port}/healthz`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: "ok", checks: { database: "ok", redis: "ok" } });
      }
    });

    it("a key created on A works on B at once, and one created on B works on A", async () => {
      const onA = await createKeyOn(a, admin, "made-on-a");
      const viaB = await call(b, onA.signer, "GET", "/v1/whoami");
      expect(viaB.status).toBe(200);
      expect(((await viaB.json()) as { key_id: string }).key_id).toBe(onA.id);

      const onB = await createKeyOn(b, admin, "made-on-b");
      const viaA = await call(a, onB.signer, "GET", "/v1/whoami");
      expect(viaA.status).toBe(200);
      expect(((await viaA.json()) as { key_id: string }).key_id).toBe(onB.id);
    });

    it("of 100 concurrent copies of one token spread over A and B, exactly one is accepted", async () => {
      const key = await createKeyOn(a, admin, "storm");
      for (let round = 0; round < 3; round++) {
        const result = await storm([a, b], key.signer);
        expect(result).toEqual({ ok: 1, replayed: 99, other: [] });
      }
    });

    it(`a revoke on one instance is refused by the other within 1 s (${TRIALS} trials)`, async () => {
      const afterResponse = await measureRevocation("PostgreSQL + Redis", a, b, admin, TRIALS);
      expect(afterResponse).toHaveLength(TRIALS);
      expect(Math.max(...afterResponse)).toBeLessThan(1_000);
    });

    it("with Redis gone both fail closed (503 verifier_unavailable); when it is back both recover", async () => {
      const key = await createKeyOn(a, admin, "outage");
      for (const instance of [a, b])
        expect((await call(instance, key.signer, "GET", "/v1/whoami")).status).toBe(200);

      await redis.kill();
      for (const instance of [a, b]) {
        const response = await call(instance, key.signer, "GET", "/v1/whoami");
        expect(response.status).toBe(503);
        expect(await codeOf(response)).toBe("verifier_unavailable");
        const manage = await call(instance, admin, "POST", "/v1/keys", {
          name: "during-outage",
          scopes: ["demo:read"],
        });
        expect(manage.status).toBe(503);
        await manage.body?.cancel();
        const health = await fetch(`http://127.0.0.1:${instance.port}/healthz`);
        expect(health.status).toBe(503);
        expect(await health.json()).toEqual({
          status: "unavailable",
          checks: { database: "ok", redis: "unavailable" },
        });
      }

      await redis.start();
      const started = performance.now();
      const recovered: Record<string, number> = {};
      for (const instance of [a, b]) {
        for (;;) {
          const response = await call(instance, key.signer, "GET", "/v1/whoami");
          if (response.status === 200) break;
          expect(response.status).toBe(503); // never anything but a refusal meanwhile
          await response.body?.cancel();
          if (performance.now() - started > 20_000) throw new Error(`${instance.name} did not recover`);
          await sleep(50);
        }
        recovered[instance.name] = performance.now() - started;
        expect((await fetch(`http://127.0.0.1:${instance.port}/healthz`)).status).toBe(200);
      }
      console.log(
        `Redis restarted: A answered again after ${recovered.A?.toFixed(0)} ms, B after ${recovered.B?.toFixed(0)} ms`,
      );

      // single use holds across both again, and revocations fan out again
      expect(await storm([a, b], key.signer)).toEqual({ ok: 1, replayed: 99, other: [] });
      const after = await revocationDelay(a, b, admin, 1_000);
      expect(after.delay - after.revokeMs).toBeLessThan(1_000);
    });

    it("SIGTERM stops an instance cleanly (exit 0, its Redis connections closed); the other keeps serving", async () => {
      const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        const signetClients = async () =>
          ((await probe.client("LIST")) as string).split("\n").filter((line) => /name=signet-/.test(line))
            .length;
        expect(await signetClients()).toBe(4); // commands + subscriber, per instance
        a.child.kill("SIGTERM");
        expect(await a.exited).toBe(0);
        expect(a.output.join("")).toMatch(/shutting down/);
        expect(await signetClients()).toBe(2);
        const key = await createKeyOn(b, admin, "after-a-stopped");
        expect((await call(b, key.signer, "GET", "/v1/whoami")).status).toBe(200);
      } finally {
        probe.disconnect();
      }
    });
  });

  describe("many instances: PostgreSQL without Redis", () => {
    let db: TestDatabase;
    let c: Instance;
    let d: Instance;
    let admin: Signer;

    beforeAll(async () => {
      db = await createTestDatabase("multi_noredis");
      admin = await bootstrapAdmin(db.url);
      const env = { DATABASE_URL: db.url };
      [c, d] = await Promise.all([startInstance("C", env), startInstance("D", env)]);
    });

    afterAll(async () => {
      await Promise.all([stopInstance(c), stopInstance(d)]);
      await db?.drop();
    });

    it("single use still holds across instances: the database is the replay store", async () => {
      const key = await createKeyOn(c, admin, "storm");
      for (let round = 0; round < 3; round++) {
        expect(await storm([c, d], key.signer)).toEqual({ ok: 1, replayed: 99, other: [] });
      }
    });

    it("a revoke on one instance is refused by the other within 1 s (database change feed)", async () => {
      const afterResponse = await measureRevocation("PostgreSQL only (change feed)", c, d, admin, 20);
      expect(Math.max(...afterResponse)).toBeLessThan(1_000);
    });
  });
} else {
  skippedSuite("many instances", "needs PostgreSQL and redis-server");
}
