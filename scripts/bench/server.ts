/**
 * One bench server per process, started by run.ts pinned to one CPU (`taskset -c 0`):
 *   hello   — a hello-world route on Signet's HTTP stack (Hono on @hono/node-server), nothing else
 *   signet  — Signet as `npm start` builds it (buildNodeSignet: SQLite behind the key cache,
 *             in-memory replay), plus a provider route protected by signet({ scopes }) and an
 *             unprotected one on the same app
 *   fastify — the peer: Fastify + @fastify/jwt verifying the same EdDSA tokens, same public keys
 *   raw     — no server: raw Ed25519 verifications per second on this core, then exit
 * It reports `ready` with its port over IPC and answers `stats` (memory, CPU time) on request.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { compactVerify, importJWK } from "jose";
import { systemClock } from "../../src/core/clock.js";
import { createVerifier, type ResolvedKey } from "../../src/core/verifier.js";
import { createLogger } from "../../src/entry/logger.js";
import { buildNodeSignet } from "../../src/entry/node-app.js";
import { nodeSignatureVerifier } from "../../src/entry/node-crypto.js";
import { loadConfig } from "../../src/server/config.js";
import { signet } from "../../src/server/middleware/signet.js";
import { createMemoryReplayStore } from "../../src/store/memory/memory-replay-store.js";
import {
  BARE_HELLO_PATH,
  HELLO_PATH,
  PROTECTED_PATH,
  PROTECTED_SCOPE,
  PUBLIC_URL,
  type RawVerifyResult,
  readPool,
  type ServerMessage,
  signToken,
} from "./shared.js";

const [mode, ...args] = process.argv.slice(2);
const send = (message: ServerMessage) => process.send?.(message);
let keyCacheEntries: () => number | null = () => null;
let replayEntries: () => number | null = () => null;

process.on("message", (message: { type: string }) => {
  if (message.type === "stats") {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    send({
      type: "stats",
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      cpuMicros: cpu.user + cpu.system,
      userMicros: cpu.user,
      systemMicros: cpu.system,
      keyCacheEntries: keyCacheEntries(),
      replayEntries: replayEntries(),
    });
  } else if (message.type === "exit") {
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));

function listen(fetch: Parameters<typeof serve>[0]["fetch"]) {
  const server = serve({ fetch, port: 0, hostname: "127.0.0.1" });
  server.once("listening", () => {
    const address = server.address();
    send({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
  });
}

async function hello() {
  const app = new Hono();
  app.get(BARE_HELLO_PATH, (c) => c.text("hello"));
  listen(app.fetch);
}

async function signetServer(databasePath: string, log: string) {
  const config = loadConfig({
    DATABASE_URL: `file:${databasePath}`,
    SIGNET_PUBLIC_URL: PUBLIC_URL,
    SIGNET_LOG: log,
    PORT: "8787",
  });
  // The per-request log line is real work: "silent" measures without it, "json" with it.
  const logger = createLogger(config.log);
  const built = await buildNodeSignet(config, { logger, migrate: "never" });
  const { app } = built;
  keyCacheEntries = () => built.deps.keyCache?.stats().entries ?? null;
  replayEntries = () => built.replay.size();
  // What a provider adds: its own route behind signet(), and one without it.
  app.get(PROTECTED_PATH, signet({ scopes: [PROTECTED_SCOPE] }), (c) => {
    const caller = c.get("signet");
    return c.json({ orders: [], key_id: caller.keyId, account_id: caller.accountId });
  });
  app.get(HELLO_PATH, (c) => c.text("hello"));
  listen(app.fetch);
}

async function fastifyPeer(poolPath: string) {
  const { default: Fastify } = await import("fastify");
  const { default: fastifyJwt } = await import("@fastify/jwt");
  const pool = readPool(poolPath);
  // The same public keys, as SPKI PEM by kid: what a Fastify user would keep.
  const pems = new Map<string, string>();
  for (const key of [...pool.perRequest.slice(0, 100), ...pool.reusable]) {
    const pem = createPublicKey({ format: "jwk", key: { kty: "OKP", crv: "Ed25519", x: key.x } })
      .export({ type: "spki", format: "pem" })
      .toString();
    pems.set(key.id, pem);
  }
  const app = Fastify({ logger: false });
  await app.register(fastifyJwt, {
    secret: {
      public: async (_request: unknown, token: { header: { kid?: string } }) => {
        const pem = token.header.kid ? pems.get(token.header.kid) : undefined;
        if (!pem) throw new Error("unknown key");
        return pem;
      },
    },
    decode: { complete: true },
    verify: { algorithms: ["EdDSA"], allowedAud: PUBLIC_URL, requiredClaims: ["iat", "exp"] },
  } as never);
  app.get(PROTECTED_PATH, async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch {
      return reply.code(401).send({ error: "invalid_token" });
    }
    const user = request.user as { sub: string };
    return { orders: [], key_id: user.sub };
  });
  app.get(BARE_HELLO_PATH, async () => "hello");
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  send({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
}

/** Calls `fn` for about `ms` milliseconds and returns calls per second. */
function rate(ms: number, fn: (i: number) => void): number {
  let calls = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    for (let i = 0; i < 64; i++) fn(calls++);
    now = performance.now();
  }
  return calls / ((now - started) / 1000);
}

async function asyncRate(ms: number, fn: (i: number) => Promise<unknown>, max = Infinity): Promise<number> {
  let calls = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms && calls + 64 <= max) {
    for (let i = 0; i < 64; i++) await fn(calls++);
    now = performance.now();
  }
  return calls / ((now - started) / 1000);
}

async function raw(poolPath: string) {
  const pool = readPool(poolPath);
  // the 100 keys of the small database, in turn, as the Signet and peer runs use them
  const keys = pool.perRequest.slice(0, 100);
  const tokens = Array.from({ length: 4000 }, (_, i) => signToken(keys[i % keys.length]!, { bound: true }));
  const inputs = tokens.map((t) => Buffer.from(t.slice(0, t.lastIndexOf("."))));
  const signatures = tokens.map((t) => Buffer.from(t.slice(t.lastIndexOf(".") + 1), "base64url"));
  const publicKeys: KeyObject[] = keys.map((k) =>
    createPublicKey({ format: "jwk", key: { kty: "OKP", crv: "Ed25519", x: k.x } }),
  );
  const once = (i: number) => verify(null, inputs[i]!, publicKeys[i % keys.length]!, signatures[i]!);
  // warm up, and make sure the loop measures verifications that succeed
  for (let i = 0; i < tokens.length; i++) if (!once(i)) throw new Error("raw verify failed");
  const nodeVerifyPerSec = rate(3000, (i) => {
    if (!once(i % tokens.length)) throw new Error("bad");
  });
  const key = keys[0]!;
  const joseKey = await importJWK({ kty: "OKP", crv: "Ed25519", x: key.x }, "EdDSA");
  const joseVerifyPerSec = await asyncRate(1000, (i) =>
    compactVerify(tokens[(i % 40) * 100]!, joseKey, { algorithms: ["EdDSA"] }),
  );
  // The core verifier end to end with everything else in memory: what the HTTP layer adds is the rest.
  const resolved: ResolvedKey = {
    key: {
      id: key.id,
      accountId: "acc_BENCH0000000000000000000",
      x: key.x,
      scopes: [PROTECTED_SCOPE],
      disabled: false,
      revokedAt: null,
      expiresAt: null,
      allowedIps: [],
      reusable: false,
      maxLifetime: null,
    },
    verifyKey: await nodeSignatureVerifier.importKey(key.x),
  };
  const verifier = createVerifier({
    keys: { resolve: async () => resolved },
    replay: createMemoryReplayStore({ clock: systemClock }),
    signatures: nodeSignatureVerifier,
    clock: systemClock,
    audience: PUBLIC_URL,
    publicOrigin: PUBLIC_URL,
  });
  const fresh = Array.from({ length: 8192 }, () => `Bearer ${signToken(key, { bound: true })}`);
  const coreVerifyPerSec = await asyncRate(
    1000,
    async (i) => {
      const outcome = await verifier({
        authorization: fresh[i],
        method: "GET",
        path: PROTECTED_PATH,
        requiredScopes: [PROTECTED_SCOPE],
      });
      if (!outcome.valid) throw new Error(`core verify failed: ${outcome.code}`);
    },
    fresh.length,
  );
  const result: RawVerifyResult = { nodeVerifyPerSec, joseVerifyPerSec, coreVerifyPerSec };
  send({ type: "raw", result });
}

const modes: Record<string, () => Promise<void>> = {
  hello: () => hello(),
  signet: () => signetServer(args[0] as string, args[1] ?? "silent"),
  fastify: () => fastifyPeer(args[0] as string),
  raw: () => raw(args[0] as string),
};
const run = mode ? modes[mode] : undefined;
if (!run) {
  process.stderr.write(`usage: server.ts ${Object.keys(modes).join("|")} [args]\n`);
  process.exit(2);
}
run().catch((error: unknown) => {
  process.stderr.write(`bench server (${mode}) failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
