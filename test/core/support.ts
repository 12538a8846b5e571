/** Shared helpers for the core tests: a verifier harness on a frozen clock and token signers. */
import { importPKCS8, SignJWT } from "jose";
import { encode } from "../../src/core/base64url.js";
import { fixedClock } from "../../src/core/clock.js";
import type { CryptoProvider } from "../../src/core/crypto-provider.js";
import { newAccountId, newKeyId } from "../../src/core/ids.js";
import { type GeneratedKeyPair, generateKeyPair } from "../../src/core/keys.js";
import { joseSignatureVerifier, type SignatureVerifier } from "../../src/core/signature.js";
import {
  createVerifier,
  type KeyResolver,
  type ReplayStore,
  type ResolvedKey,
  type VerificationKey,
  type VerifierOptions,
  type VerifyOutcome,
  type VerifyRequest,
} from "../../src/core/verifier.js";

/** 2023-11-14T22:13:20Z, a whole second so `now ± n` boundaries are exact. */
export const NOW_MS = 1_700_000_000_000;
export const NOW = NOW_MS / 1000;
export const AUDIENCE = "https://api.example.com";
export const ORIGIN = "https://api.example.com";
export const PATH = "/v1/orders";

export const hexToBytes = (hex: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));

const utf8 = new TextEncoder();

/** A key pair plus the signing key jose imported from its PKCS#8 PEM. */
export interface TestKey {
  id: string;
  pair: GeneratedKeyPair;
  signingKey: CryptoKey;
}

export async function newTestKey(provider: CryptoProvider, id = newKeyId()): Promise<TestKey> {
  const pair = await generateKeyPair(provider);
  const signingKey = (await importPKCS8(pair.privateKeyPem, "EdDSA")) as CryptoKey;
  return { id, pair, signingKey };
}

let jtiCounter = 0;
/** A fresh 24-character jti. */
export const newJti = (): string => `jti-${String(++jtiCounter).padStart(8, "0")}-abcdefghijk`;

/** The claims of a valid per-request assertion for GET /v1/orders at NOW. */
export function claimsFor(keyId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: keyId,
    sub: keyId,
    aud: AUDIENCE,
    iat: NOW,
    exp: NOW + 60,
    jti: newJti(),
    htm: "GET",
    htu: `${ORIGIN}${PATH}`,
    ...overrides,
  };
}

/** Signs with plain jose, the way a client SDK would. Claims set to undefined are left out. */
export function signJwt(
  key: TestKey,
  claims: Record<string, unknown>,
  header: { kid?: string; typ?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "EdDSA", typ: header.typ ?? "signet+jwt", kid: header.kid ?? key.id })
    .sign(key.signingKey);
}

/**
 * Signs arbitrary header and payload text with the key's real Ed25519 signature, for tokens
 * jose would refuse to build (duplicate members, crit, b64, alg none, ...).
 */
export async function signRaw(key: TestKey, headerJson: string, payloadJson: string): Promise<string> {
  const input = `${encode(utf8.encode(headerJson))}.${encode(utf8.encode(payloadJson))}`;
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.signingKey, utf8.encode(input));
  return `${input}.${encode(new Uint8Array(signature))}`;
}

/** Everything one verifier test touches: the frozen clock, the key map and the replay log. */
export interface Harness {
  clock: ReturnType<typeof fixedClock>;
  keys: Map<string, ResolvedKey>;
  /** `kid|jti` -> expiresAt (ms) for every recorded (kid, jti). */
  replayed: Map<string, number>;
  /** How many times the signature verifier ran. */
  signatureChecks: { count: number };
  verify(request: VerifyRequest): Promise<VerifyOutcome>;
  /** Registers `key` in the resolver; returns the stored VerificationKey. */
  addKey(key: TestKey, overrides?: Partial<VerificationKey>): Promise<VerificationKey>;
  /** Replaces fields of a registered key, as a store update would. */
  updateKey(keyId: string, overrides: Partial<VerificationKey>): void;
}

export function createHarness(
  options: Partial<VerifierOptions> & { signatures?: SignatureVerifier } = {},
): Harness {
  const clock = fixedClock(NOW_MS);
  const keys = new Map<string, ResolvedKey>();
  const replayed = new Map<string, number>();
  const signatureChecks = { count: 0 };
  const base = options.signatures ?? joseSignatureVerifier;
  const counting: SignatureVerifier = {
    name: base.name,
    importKey: (x) => base.importKey(x),
    verify: (token, key) => {
      signatureChecks.count++;
      return base.verify(token, key);
    },
  };
  const resolver: KeyResolver = { resolve: async (id) => keys.get(id) ?? null };
  const replay: ReplayStore = {
    record: async (keyId, jti, expiresAt) => {
      const entry = `${keyId}|${jti}`;
      if (replayed.has(entry)) return false;
      replayed.set(entry, expiresAt);
      return true;
    },
  };
  const verify = createVerifier({
    keys: resolver,
    replay,
    clock,
    audience: AUDIENCE,
    publicOrigin: ORIGIN,
    ...options,
    signatures: counting,
  });
  return {
    clock,
    keys,
    replayed,
    signatureChecks,
    verify,
    async addKey(key, overrides = {}) {
      const stored: VerificationKey = {
        id: key.id,
        accountId: newAccountId(),
        x: key.pair.publicJwk.x,
        scopes: ["orders:read", "orders:write"],
        disabled: false,
        revokedAt: null,
        expiresAt: null,
        allowedIps: [],
        reusable: false,
        maxLifetime: null,
        ...overrides,
      };
      keys.set(key.id, { key: stored, verifyKey: await base.importKey(stored.x) });
      return stored;
    },
    updateKey(keyId, overrides) {
      const current = keys.get(keyId);
      if (!current) throw new Error(`no key ${keyId}`);
      keys.set(keyId, { ...current, key: { ...current.key, ...overrides } });
    },
  };
}

/** The request a client would send for GET /v1/orders with `token`. */
export function requestWith(token: string, overrides: Partial<VerifyRequest> = {}): VerifyRequest {
  return { authorization: `Bearer ${token}`, method: "GET", path: PATH, ...overrides };
}
