/**
 * Shared pieces of the hardening suites: raw signing (for tokens jose refuses to build),
 * claims on the harness clock, a "nothing was recorded" snapshot of the real app and a
 * problem+json checker. The app itself is test/server/harness.ts (buildNodeSignet on a fresh
 * migrated SQLite copy).
 */
import { createPublicKey } from "node:crypto";
import { importPKCS8 } from "jose";
import { expect } from "vitest";
import type { PublicJwk } from "../../src/core/keys.js";
import type { Harness, TestKey } from "../server/harness.js";
import { PUBLIC_URL, START_MS } from "../server/harness.js";

export const NOW = START_MS / 1000;
const utf8 = new TextEncoder();

/** A key the test can sign anything with: its id, its Ed25519 signing key and public forms. */
export interface RawKey {
  id: string;
  accountId: string;
  signingKey: CryptoKey;
  publicJwk: PublicJwk;
  /** The public key as an SPKI PEM. */
  spkiPem: string;
  /** The 32 raw public key bytes. */
  publicBytes: Uint8Array;
}

export async function rawKeyOf(key: TestKey): Promise<RawKey> {
  const publicJwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: key.key.x };
  return {
    id: key.id,
    accountId: key.accountId,
    signingKey: (await importPKCS8(key.credentials.private_key, "EdDSA")) as CryptoKey,
    publicJwk,
    spkiPem: createPublicKey({ key: { ...publicJwk }, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    }) as string,
    publicBytes: new Uint8Array(Buffer.from(key.key.x, "base64url")),
  };
}

/** A key pair that is not registered anywhere (a stranger's key). */
export async function strangerKey(id: string, accountId = "acc_00000000000000000000000000"): Promise<RawKey> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const publicJwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as { x: string };
  const jwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: publicJwk.x };
  return {
    id,
    accountId,
    signingKey: pair.privateKey,
    publicJwk: jwk,
    spkiPem: createPublicKey({ key: { ...jwk }, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    }) as string,
    publicBytes: new Uint8Array(Buffer.from(jwk.x, "base64url")),
  };
}

export const b64 = (data: string | Uint8Array): string =>
  Buffer.from(typeof data === "string" ? utf8.encode(data) : data).toString("base64url");

/** A real Ed25519 signature (base64url) over `signingInput` exactly as given. */
export async function signInput(key: RawKey, signingInput: string): Promise<string> {
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.signingKey, utf8.encode(signingInput));
  return b64(new Uint8Array(signature));
}

/** Signs two already-encoded segments as they are (non-canonical encodings included). */
export async function signSegments(
  key: RawKey,
  headerSegment: string,
  payloadSegment: string,
): Promise<string> {
  const input = `${headerSegment}.${payloadSegment}`;
  return `${input}.${await signInput(key, input)}`;
}

type Part = string | Uint8Array | Record<string, unknown> | unknown[];
const encodePart = (part: Part): string =>
  typeof part === "string" || part instanceof Uint8Array ? b64(part) : b64(JSON.stringify(part));

/**
 * Signs arbitrary header and payload (JSON text, raw bytes, or a value to stringify) with the
 * key's real Ed25519 signature: the signature always holds, so only the verifier's own rules
 * can refuse the token.
 */
export function signRaw(key: RawKey, header: Part, payload: Part): Promise<string> {
  return signSegments(key, encodePart(header), encodePart(payload));
}

/** The exact header Signet accepts, plus or minus members. */
export function headerFor(kid: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: "EdDSA", typ: "signet+jwt", kid, ...extra };
}

let jtiCounter = 0;
/** A fresh jti of 32 characters (unique per test process). */
export const freshJti = (): string =>
  `hard-${String(++jtiCounter).padStart(9, "0")}-${Math.random().toString(36).slice(2, 12).padEnd(10, "0")}x`.slice(
    0,
    32,
  );

/** Valid per-request claims for `method path` at the harness's current time. */
export function claimsFor(
  keyId: string,
  now: number,
  method = "GET",
  path = "/v1/whoami",
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    iss: keyId,
    sub: keyId,
    aud: PUBLIC_URL,
    iat: now,
    exp: now + 60,
    jti: freshJti(),
    htm: method,
    htu: `${PUBLIC_URL}${path}`,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/** Everything a request could leave behind: replay entries, keys, audit events, last-used marks. */
export interface Recorded {
  replay: number;
  keys: number;
  audit: number;
  lastUsedPending: number;
}

export async function recorded(h: Harness): Promise<Recorded> {
  let keys = 0;
  let audit = 0;
  for (const account of await h.deps.store.accounts.list()) {
    const counts = await h.counts(account.id);
    keys += counts.keys;
    audit += counts.audit;
  }
  return {
    replay: h.signet.replay.size(),
    keys,
    audit,
    lastUsedPending: h.deps.lastUsed?.pendingCount() ?? 0,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: problem documents carry arbitrary extension members
export type Problem = Record<string, any>;

/**
 * Checks an RFC 9457 answer with the right status, code and WWW-Authenticate, that never
 * echoes the token, and returns the parsed body.
 */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
  token?: string | null,
): Promise<Problem> {
  const text = await response.text();
  expect({ status: response.status, body: text.slice(0, 300) }).toMatchObject({ status });
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = JSON.parse(text) as Problem;
  expect(body).toMatchObject({ status, code, type: `https://signet.dev/problems/${code}` });
  expect(typeof body.request_id).toBe("string");
  if (status === 401) {
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="signet", error="invalid_token", error_description="${code}"`,
    );
  }
  if (status === 403) expect(response.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);
  if (token) {
    for (const segment of token.split(".")) {
      if (segment.length >= 8) expect(text).not.toContain(segment);
    }
  }
  return body;
}
