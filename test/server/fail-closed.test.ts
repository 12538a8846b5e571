/**
 * Any store or cache failure makes the request fail closed: 503 verifier_unavailable as
 * problem+json, never a 200 and never the route's handler.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSigner } from "../../src/client/signer.js";
import { fixedClock } from "../../src/core/clock.js";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { VerifierUnavailableError } from "../../src/core/errors.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { createVerifier, type ReplayStore } from "../../src/core/verifier.js";
import { createLogger } from "../../src/entry/logger.js";
import { createApp } from "../../src/server/app.js";
import { cliActor } from "../../src/server/services/actor.js";
import { createKeyService } from "../../src/server/services/key-service.js";
import { createKeyCache } from "../../src/store/key-cache.js";
import { createMemoryReplayStore } from "../../src/store/memory/memory-replay-store.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import { type Harness, PUBLIC_URL, START_MS, startHarness } from "./harness.js";

/** `throw-after-first`: the first call succeeds, later ones throw. */
type Mode = "ok" | "throw" | "hang" | "throw-after-first";

/** The app on a memory store whose key lookups and replay store can be made to fail. */
async function buildFaultyApp() {
  const clock = fixedClock(START_MS);
  const logs: string[] = [];
  const logger = createLogger("json", (line) => logs.push(line));
  const store = createMemoryStore();
  const faults: { keys: Mode; replay: Mode } = { keys: "ok", replay: "ok" };
  const hang = () => new Promise<never>(() => {});

  const keysPort = {
    ...store.keys,
    async get(id: string) {
      if (faults.keys === "throw") throw new Error("database is down");
      if (faults.keys === "hang") return hang();
      return store.keys.get(id);
    },
  };
  const memoryReplay = createMemoryReplayStore({ clock });
  let replayCalls = 0;
  const replay: ReplayStore = {
    async record(keyId, jti, expiresAt) {
      const mode = faults.replay;
      replayCalls++;
      if (mode === "throw" || (mode === "throw-after-first" && replayCalls > 1))
        throw new Error("replay store is down");
      if (mode === "hang") return hang();
      return memoryReplay.record(keyId, jti, expiresAt);
    },
  };
  const keyCache = createKeyCache({ keys: keysPort, signatures: joseSignatureVerifier, clock });
  const keys = createKeyService({
    store,
    crypto: webCryptoProvider,
    clock,
    audience: PUBLIC_URL,
    onKeyChanged: (id) => keyCache.invalidate(id),
  });
  const verifier = createVerifier({
    keys: keyCache,
    replay,
    signatures: joseSignatureVerifier,
    clock,
    audience: PUBLIC_URL,
    publicOrigin: PUBLIC_URL,
    storeTimeoutMs: 100,
  });
  const app = createApp({
    config: { publicUrl: PUBLIC_URL, audience: PUBLIC_URL, clockSkew: 60, maxLifetime: 300 },
    store,
    verifier,
    keyCache,
    keys,
    clock,
    logger,
    clientIp: () => undefined,
  });

  const account = await keys.createAccount("acme", cliActor);
  const created = await keys.createKey(
    account.id,
    { name: "admin", scopes: ["keys:manage", "demo:read", "signet:verify"] },
    cliActor,
  );
  if (!created.credentials) throw new Error("expected credentials");
  const signer = createSigner(
    { keyId: created.key.id, audience: PUBLIC_URL, seed: seedOf(created.credentials.private_key) },
    { now: clock.now },
  );

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const token = await signer.sign({ method, url: `${PUBLIC_URL}${path}` });
    return app.request(`${PUBLIC_URL}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  return {
    app,
    faults,
    replayCalls: () => replayCalls,
    keyCache,
    signer,
    call,
    logs,
    store,
    accountId: account.id,
    keyId: created.key.id,
  };
}

function seedOf(pem: string): Uint8Array {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return new Uint8Array(der.subarray(der.length - 32));
}

async function expect503(res: Response): Promise<string> {
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("retry-after")).toBe("1");
  const text = await res.text();
  const body = JSON.parse(text);
  expect(body).toMatchObject({ status: 503, code: "verifier_unavailable" });
  expect(body).not.toHaveProperty("key_id");
  expect(body).not.toHaveProperty("account_id");
  return text;
}

const PROTECTED: Array<[string, string, unknown?]> = [
  ["GET", "/v1/whoami"],
  ["GET", "/v1/demo/echo"],
  ["GET", "/v1/keys"],
  ["POST", "/v1/keys", { name: "x", scopes: ["demo:read"] }],
];

describe("a key store that fails", () => {
  it.each(["throw", "hang"] as const)(
    "(%s) gives 503 verifier_unavailable on every protected route",
    async (mode) => {
      const t = await buildFaultyApp();
      expect((await t.call("GET", "/v1/whoami")).status).toBe(200); // works while healthy
      t.keyCache.clear();
      t.faults.keys = mode;
      const before = (await t.store.keys.list(t.accountId, { limit: 100 })).items.length;
      for (const [method, path, body] of PROTECTED) {
        const res = await t.call(method, path, body);
        await expect503(res);
      }
      expect((await t.store.keys.list(t.accountId, { limit: 100 })).items.length).toBe(before);
      expect(t.logs.some((line) => line.includes("verifier unavailable"))).toBe(true);

      // and recovers when the store does (a load that never settles stays in flight in the key
      // cache, so a hung lookup only recovers through an invalidation: drop it here)
      t.faults.keys = "ok";
      if (mode === "hang") t.keyCache.invalidate(t.keyId);
      expect((await t.call("GET", "/v1/whoami")).status).toBe(200);
    },
  );
});

describe("a replay store that fails", () => {
  it.each(["throw", "hang"] as const)("(%s) gives 503, not 200", async (mode) => {
    const t = await buildFaultyApp();
    t.faults.replay = mode;
    for (const [method, path, body] of PROTECTED) {
      await expect503(await t.call(method, path, body));
    }
    t.faults.replay = "ok";
    expect((await t.call("GET", "/v1/whoami")).status).toBe(200);
  });

  it("/v1/verify answers 503 when the client's token cannot be checked for replay", async () => {
    const t = await buildFaultyApp();
    const clientToken = await t.signer.sign({ method: "GET", url: `${PUBLIC_URL}/v1/orders` });
    const gatewayToken = await t.signer.sign({ method: "POST", url: `${PUBLIC_URL}/v1/verify` });
    // let the gateway's own assertion through, then fail on the client's
    t.faults.replay = "throw-after-first";
    const before = t.replayCalls();
    const res = await t.app.request(`${PUBLIC_URL}/v1/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${gatewayToken}`, "content-type": "application/json" },
      body: JSON.stringify({ token: clientToken, method: "GET", url: `${PUBLIC_URL}/v1/orders` }),
    });
    expect(t.replayCalls() - before).toBe(2);
    await expect503(res);
  });
});

describe("the Node app on SQLite", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await h?.close();
  });

  it("fails closed when the database throws on key lookup", async () => {
    h = await startHarness();
    const admin = await h.bootstrap();
    expect((await h.call(admin.signer, "GET", "/v1/whoami")).status).toBe(200);
    h.deps.keyCache?.clear();
    vi.spyOn(h.deps.store.keys, "get").mockRejectedValue(new Error("SQLITE_BUSY: database is locked"));
    for (const [method, path] of [
      ["GET", "/v1/whoami"],
      ["GET", "/v1/keys"],
    ] as const) {
      const text = await expect503(await h.call(admin.signer, method, path));
      expect(text).not.toContain("SQLITE_BUSY");
    }
  });

  it("a verifier that reports VerifierUnavailableError gives 503 through the signet() middleware", async () => {
    h = await startHarness();
    const admin = await h.bootstrap();
    const verifier = h.deps.verifier;
    h.deps.verifier = async () => {
      throw new VerifierUnavailableError();
    };
    try {
      await expect503(await h.call(admin.signer, "GET", "/v1/whoami"));
    } finally {
      h.deps.verifier = verifier;
    }
    expect((await h.call(admin.signer, "GET", "/v1/whoami")).status).toBe(200);
  });
});
