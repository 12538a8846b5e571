/**
 * Fail closed, ten rounds in a row: with the key store, the replay store or the audit writer
 * throwing or hanging (injected faults, bounded by short timeouts), requests get 503
 * verifier_unavailable, never 200 or 201, nothing is stored, and the server recovers as soon
 * as the fault clears. The app is the real Node one on SQLite; its verifier and key service
 * are rebuilt over fault-injecting wrappers of the real store and replay store.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { createVerifier, type ReplayStore } from "../../src/core/verifier.js";
import { createKeyService } from "../../src/server/services/key-service.js";
import { createKeyCache } from "../../src/store/key-cache.js";
import type { Store } from "../../src/store/ports.js";
import { type Harness, json, PUBLIC_URL, startHarness, type TestKey } from "../server/harness.js";
import { expectProblem, type Recorded, recorded } from "./support.js";

const ROUNDS = 10;
const TIMEOUT_MS = 100;

type Target = "keys" | "replay" | "audit";
type Mode = "ok" | "throw" | "hang";

/**
 * The fault switchboard. "hang" stalls an operation until the fault is cleared (a database
 * that stops answering and later comes back); the stalled calls then run for real.
 */
function createFaults() {
  const modes: Record<Target, Mode> = { keys: "ok", replay: "ok", audit: "ok" };
  let release: () => void = () => {};
  let released = Promise.resolve();
  const stalled: Promise<unknown>[] = [];
  const calls: Record<Target, number> = { keys: 0, replay: 0, audit: 0 };
  return {
    calls,
    set(target: Target, mode: Mode) {
      modes[target] = mode;
      if (mode === "hang") released = new Promise((resolve) => (release = resolve));
    },
    /** Clears every fault and waits until the stalled calls have finished. */
    async clear() {
      modes.keys = modes.replay = modes.audit = "ok";
      release();
      await Promise.allSettled(stalled.splice(0));
    },
    run<T>(target: Target, operation: () => Promise<T>): Promise<T> {
      calls[target]++;
      const mode = modes[target];
      if (mode === "throw") return Promise.reject(new Error(`injected: ${target} is down`));
      if (mode === "hang") {
        const late = released.then(operation);
        stalled.push(late.catch(() => {}));
        return late;
      }
      return operation();
    },
  };
}

interface Rig {
  h: Harness;
  admin: TestKey;
  faults: ReturnType<typeof createFaults>;
  keyCache: ReturnType<typeof createKeyCache>;
}

/** The real app with its verifier and key service rebuilt over fault-injecting stores. */
async function startRig(): Promise<Rig> {
  const h = await startHarness();
  const admin = await h.bootstrap();
  const faults = createFaults();
  const { deps, clock } = h;
  const realStore = deps.store;

  const keysPort = {
    ...realStore.keys,
    get: (id: string) => faults.run("keys", () => realStore.keys.get(id)),
  };
  const keyCache = createKeyCache({ keys: keysPort, signatures: joseSignatureVerifier, clock });
  const replay: ReplayStore = {
    record: (keyId, jti, expiresAt) =>
      faults.run("replay", () => h.signet.replay.record(keyId, jti, expiresAt)),
  };
  deps.keyCache = keyCache;
  deps.verifier = createVerifier({
    keys: keyCache,
    replay,
    signatures: joseSignatureVerifier,
    clock,
    audience: deps.config.audience,
    publicOrigin: deps.config.publicUrl,
    storeTimeoutMs: TIMEOUT_MS,
  });

  const withFaultyAudit = (store: Store): Store => ({
    kind: store.kind,
    accounts: store.accounts,
    keys: store.keys,
    audit: {
      append: (event) => faults.run("audit", () => store.audit.append(event)),
      list: (accountId, page) => store.audit.list(accountId, page),
    },
    transaction: (work) => store.transaction((tx) => work(withFaultyAudit(tx))),
    ping: () => store.ping(),
    close: () => store.close(),
  });
  deps.keys = createKeyService({
    store: withFaultyAudit(realStore),
    crypto: webCryptoProvider,
    clock,
    audience: deps.config.audience,
    onKeyChanged: (keyId) => keyCache.invalidate(keyId),
    storeTimeoutMs: TIMEOUT_MS,
  });
  return { h, admin, faults, keyCache };
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("1");
  const body = await expectProblem(response, 503, "verifier_unavailable");
  expect(body.detail).not.toMatch(/injected/);
}

/** Requests that need the verifier (and, for the POST, the key service). */
const AUTHENTICATED: Array<[string, string, unknown?]> = [
  ["GET", "/v1/whoami"],
  ["GET", "/v1/keys"],
  ["POST", "/v1/keys", { name: "during the fault", scopes: ["demo:read"] }],
  ["POST", "/v1/verify", { token: "x.y.z", method: "GET", url: `${PUBLIC_URL}/v1/whoami` }],
];

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.faults.clear();
  await rig.h.close();
});

/** Nothing a failed round may leave behind: keys, audit events (replay checked separately). */
const stored = async (): Promise<Omit<Recorded, "replay" | "lastUsedPending">> => {
  const { keys, audit } = await recorded(rig.h);
  return { keys, audit };
};

describe.each(["throw", "hang"] as const)("a fault that makes the store %s", (mode) => {
  it(`key store: 503 on every authenticated route, nothing stored, recovery (${ROUNDS} rounds)`, async () => {
    const { h, admin, faults, keyCache } = rig;
    for (let round = 0; round < ROUNDS; round++) {
      expect((await h.call(admin.signer, "GET", "/v1/whoami")).status).toBe(200);
      const before = await stored();
      keyCache.clear(); // the next lookups must reach the store
      faults.set("keys", mode);
      const callsBefore = faults.calls.keys;
      for (const [method, path, body] of AUTHENTICATED) {
        await expectUnavailable(await h.call(admin.signer, method, path, { body }));
      }
      expect(faults.calls.keys).toBeGreaterThan(callsBefore);
      await faults.clear();
      expect(await stored()).toEqual(before);
      const back = await h.call(admin.signer, "GET", "/v1/whoami");
      expect(back.status, `round ${round}`).toBe(200);
      expect((await json(back)).key_id).toBe(admin.id);
    }
  }, 60_000);

  it(`replay store: 503 on every authenticated route, nothing stored, recovery (${ROUNDS} rounds)`, async () => {
    const { h, admin, faults } = rig;
    for (let round = 0; round < ROUNDS; round++) {
      const before = await stored();
      faults.set("replay", mode);
      for (const [method, path, body] of AUTHENTICATED) {
        await expectUnavailable(await h.call(admin.signer, method, path, { body }));
      }
      await faults.clear();
      expect(await stored()).toEqual(before);
      expect((await h.call(admin.signer, "GET", "/v1/whoami")).status, `round ${round}`).toBe(200);
    }
  }, 60_000);

  it(`audit writer: management writes get 503 and store nothing, recovery (${ROUNDS} rounds)`, async () => {
    const { h, admin, faults } = rig;
    const target = await h.createKey(admin.accountId, { name: "target", scopes: ["demo:read"] });
    for (let round = 0; round < ROUNDS; round++) {
      const before = await stored();
      const targetBefore = await h.deps.store.keys.get(target.id);
      faults.set("audit", mode);
      const writes: Array<[string, string, unknown?]> = [
        ["POST", "/v1/keys", { name: `round ${round}`, scopes: ["demo:read"] }],
        ["PATCH", `/v1/keys/${target.id}`, { name: `renamed ${round}`, disabled: true }],
        ["POST", `/v1/keys/${target.id}/rotate`, { grace_period_seconds: 0 }],
        ["POST", `/v1/keys/${target.id}/revoke`],
      ];
      for (const [method, path, body] of writes) {
        await expectUnavailable(await h.call(admin.signer, method, path, { body }));
      }
      // verification itself does not write audit events: reads still work during the fault
      expect((await h.call(admin.signer, "GET", "/v1/whoami")).status).toBe(200);
      // let every stalled append finish: the work that outlived its deadline must roll back
      await faults.clear();
      expect(await stored()).toEqual(before);
      expect(await h.deps.store.keys.get(target.id)).toEqual(targetBefore);
      expect((await h.call(target.signer, "GET", "/v1/whoami")).status).toBe(200);
      // recovered: a write succeeds and is audited
      const created = await h.call(admin.signer, "POST", "/v1/keys", {
        body: { name: `after round ${round}`, scopes: ["demo:read"] },
      });
      expect(created.status, `round ${round}`).toBe(201);
      expect(await stored()).toEqual({ keys: before.keys + 1, audit: before.audit + 1 });
    }
  }, 60_000);
});
