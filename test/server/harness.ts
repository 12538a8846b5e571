/**
 * Builds the real Node app (SQLite store, key cache, change feed, in-memory replay) on a fresh
 * migrated database copy, with a frozen clock and a logger that captures JSON lines.
 */
import { rmSync } from "node:fs";
import { loadCredentials } from "../../src/client/credentials.js";
import { createSigner, type Signer } from "../../src/client/signer.js";
import { fixedClock } from "../../src/core/clock.js";
import type { CredentialsFile } from "../../src/core/credentials.js";
import { createLogger } from "../../src/entry/logger.js";
import { buildNodeSignet, type NodeSignet } from "../../src/entry/node-app.js";
import { loadConfig } from "../../src/server/config.js";
import { cliActor } from "../../src/server/services/actor.js";
import type { CreateKeyInput } from "../../src/server/services/key-service.js";
import type { KeyRecord } from "../../src/store/ports.js";
import { freshSqlite } from "../support/sqlite.js";

export const PUBLIC_URL = "http://signet.test";
/** 2023-11-14T22:13:20Z: a whole second, so token times are exact. */
export const START_MS = 1_700_000_000_000;

export type TestClock = ReturnType<typeof fixedClock>;

/** A key with its credentials and a signer on the harness clock. */
export interface TestKey {
  id: string;
  accountId: string;
  key: KeyRecord;
  credentials: CredentialsFile;
  signer: Signer;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is (for malformed JSON and size tests). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Narrow the token to these scopes. */
  scope?: string[];
}

export interface Harness {
  signet: NodeSignet;
  app: NodeSignet["app"];
  deps: NodeSignet["deps"];
  clock: TestClock;
  /** Every log line the app wrote (JSON). */
  logs: string[];
  db: { url: string; path: string; dir: string };
  /** An account made through the key service (like the CLI does). */
  createAccount(name: string): Promise<string>;
  /** A key made through the key service, with its credentials and a signer. */
  createKey(accountId: string, input?: Partial<CreateKeyInput>): Promise<TestKey>;
  /** An account plus a keys:manage (and demo:read) key in it. */
  bootstrap(name?: string): Promise<TestKey>;
  /** A signer for a credentials file (e.g. one returned by the API). */
  signerFor(credentials: CredentialsFile): Promise<Signer>;
  /** Signs a fresh assertion for the request and sends it to the app. */
  call(signer: Signer, method: string, path: string, options?: CallOptions): Promise<Response>;
  /** How many keys and audit events the account has (to prove a failed call stored nothing). */
  counts(accountId: string): Promise<{ keys: number; audit: number }>;
  /** Sends a request with a given bearer token (no signing). */
  send(token: string | null, method: string, path: string, options?: CallOptions): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(options: { env?: Record<string, string> } = {}): Promise<Harness> {
  const db = freshSqlite();
  const clock = fixedClock(START_MS);
  const logs: string[] = [];
  const config = loadConfig({
    SIGNET_PUBLIC_URL: PUBLIC_URL,
    DATABASE_URL: db.url,
    SIGNET_LOG: "json",
    ...options.env,
  });
  const logger = createLogger("json", (line) => logs.push(line));
  const signet = await buildNodeSignet(config, { logger, clock, migrate: "never" });
  const { app, deps } = signet;
  let closed = false;

  async function signerFor(credentials: CredentialsFile): Promise<Signer> {
    return createSigner(await loadCredentials(credentials as unknown as Record<string, unknown>), {
      now: clock.now,
    });
  }

  async function createKey(accountId: string, input: Partial<CreateKeyInput> = {}): Promise<TestKey> {
    const created = await deps.keys.createKey(
      accountId,
      { name: "test key", scopes: ["demo:read"], ...input },
      cliActor,
    );
    if (!created.credentials) throw new Error("createKey: the harness needs server-generated keys");
    return {
      id: created.key.id,
      accountId,
      key: created.key,
      credentials: created.credentials,
      signer: await signerFor(created.credentials),
    };
  }

  async function send(
    token: string | null,
    method: string,
    path: string,
    call: CallOptions = {},
  ): Promise<Response> {
    const headers = new Headers(call.headers);
    if (token !== null) headers.set("authorization", `Bearer ${token}`);
    let body: string | undefined = call.rawBody;
    if (call.body !== undefined) body = JSON.stringify(call.body);
    if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
    return app.request(`${PUBLIC_URL}${path}`, { method, headers, body });
  }

  const harness: Harness = {
    signet,
    app,
    deps,
    clock,
    logs,
    db,
    async createAccount(name) {
      return (await deps.keys.createAccount(name, cliActor)).id;
    },
    createKey,
    async bootstrap(name = "acme") {
      const accountId = await harness.createAccount(name);
      return createKey(accountId, { name: "admin", scopes: ["keys:manage", "demo:read"] });
    },
    signerFor,
    async call(signer, method, path, call = {}) {
      const token = await signer.sign({ method, url: `${PUBLIC_URL}${path}`, scope: call.scope });
      return send(token, method, path, call);
    },
    send,
    async counts(accountId) {
      let keys = 0;
      let audit = 0;
      let cursor: string | undefined;
      do {
        const page = await deps.store.keys.list(accountId, { limit: 100, cursor });
        keys += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      do {
        const page = await deps.store.audit.list(accountId, { limit: 100, cursor });
        audit += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { keys, audit };
    },
    async close() {
      if (closed) return;
      closed = true;
      await signet.close();
      rmSync(db.dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The parsed JSON body of a response (typed loosely for assertions). */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON members
export async function json(response: Response): Promise<any> {
  return response.json();
}
