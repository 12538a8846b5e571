/** What the bench processes share: the key pool file, token signing and the IPC messages. */
import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { readFileSync } from "node:fs";

/** The public origin and audience every bench server is configured with (htu is checked against it). */
export const PUBLIC_URL = "https://api.bench.test";
export const PROTECTED_PATH = "/bench/orders";
export const HELLO_PATH = "/bench/hello";
export const BARE_HELLO_PATH = "/hello";
export const PROTECTED_SCOPE = "orders:read";

/** One real Ed25519 pair: key id, public x, and the PKCS#8 private key (base64) for signing. */
export interface PoolKey {
  id: string;
  x: string;
  pkcs8: string;
}

export interface KeyPool {
  /** Per-request keys; the first 100 make the small database, all 10,000 the active set of the large one. */
  perRequest: PoolKey[];
  /** Keys marked reusable (verified-token cache scenario). */
  reusable: PoolKey[];
  /** One key with keys:manage, for key creation through the API. */
  manage: PoolKey;
}

export const readPool = (path: string): KeyPool => JSON.parse(readFileSync(path, "utf8")) as KeyPool;

const privateKeys = new Map<string, KeyObject>();
function privateKeyOf(key: PoolKey): KeyObject {
  let privateKey = privateKeys.get(key.id);
  if (!privateKey) {
    privateKey = createPrivateKey({ key: Buffer.from(key.pkcs8, "base64"), format: "der", type: "pkcs8" });
    privateKeys.set(key.id, privateKey);
  }
  return privateKey;
}

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const headers = new Map<string, string>();
let jtiCounter = 0;
const jtiPrefix = Math.random().toString(36).slice(2, 10);

export interface TokenOptions {
  /** Per-request binding (jti, htm, htu); false makes a reusable token. */
  bound: boolean;
  method?: string;
  path?: string;
  /** Seconds; the client SDK's default, 60, unless set. */
  lifetime?: number;
}

/** A Signet assertion, signed the way a client SDK does (header member order alg, typ, kid). */
export function signToken(key: PoolKey, options: TokenOptions): string {
  let header = headers.get(key.id);
  if (!header) {
    header = b64(JSON.stringify({ alg: "EdDSA", typ: "signet+jwt", kid: key.id }));
    headers.set(key.id, header);
  }
  const iat = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: key.id,
    sub: key.id,
    aud: PUBLIC_URL,
    iat,
    exp: iat + (options.lifetime ?? 60),
  };
  if (options.bound) {
    claims.jti = `${jtiPrefix}-${(jtiCounter++).toString(36).padStart(12, "0")}`;
    claims.htm = options.method ?? "GET";
    claims.htu = `${PUBLIC_URL}${options.path ?? PROTECTED_PATH}`;
  }
  const input = `${header}.${b64(JSON.stringify(claims))}`;
  return `${input}.${sign(null, Buffer.from(input), privateKeyOf(key)).toString("base64url")}`;
}

/** Messages from a bench server to the orchestrator. */
export type ServerMessage =
  | { type: "ready"; port: number }
  | {
      type: "stats";
      rss: number;
      heapUsed: number;
      cpuMicros: number;
      /** The user and system parts of cpuMicros. */
      userMicros: number;
      systemMicros: number;
      keyCacheEntries: number | null;
      replayEntries: number | null;
    }
  | { type: "raw"; result: RawVerifyResult };

export interface RawVerifyResult {
  /** node:crypto verify(null, data, KeyObject, signature) per second, one core. */
  nodeVerifyPerSec: number;
  /** jose compactVerify (Web Crypto) per second, one core, for comparison. */
  joseVerifyPerSec: number;
  /** createVerifier end to end (in-memory key map and replay, node:crypto), per second. */
  coreVerifyPerSec: number;
}

/** A load job for the generator. */
export interface LoadJob {
  port: number;
  path: string;
  method?: "GET" | "POST";
  body?: string;
  /**
   * Which tokens to send, rotating: freshly signed ones, the previous job's from the start
   * ("reuse-last"), or carrying on where the previous job stopped ("continue", so a warm-up
   * and the measured run never send the same per-request token twice). "none" sends no
   * Authorization header.
   */
  tokens:
    | { kind: "none" }
    | {
        kind: "per-request";
        keys: "perRequest" | "manage";
        from: number;
        to: number;
        count: number;
        /** Keep these tokens under a name for a later { kind: "saved" } job. */
        save?: string;
      }
    | { kind: "saved"; name: string }
    | { kind: "reusable" }
    | { kind: "reuse-last" }
    | { kind: "continue" };
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  /** Send exactly this many requests. */
  amount?: number;
  /** Open loop at this many requests per second (timed from when each was due); omit for a closed loop. */
  rate?: number;
  /** Keep the generator polling instead of sleeping between responses (latency probes). */
  poll?: boolean;
}

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Share of one core the generator used while measuring (near 1.0 means it may be the bottleneck). */
  generatorCpu: number;
  /** Tokens signed for this job, and how long that took. */
  signed: number;
  signMs: number;
  statusCodes: Record<string, number>;
}
