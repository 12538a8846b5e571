/**
 * DESIGN §3, one case per rule, runnable anywhere Web Crypto has Ed25519: the conformance
 * worker runs them inside workerd and the vitest test runs them on Node, and both must give
 * the expected outcome. No Node APIs here (the worker bundles this file).
 */
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { newKeyId } from "../../src/core/ids.js";
import type { VerificationKey, VerifyOutcome } from "../../src/core/verifier.js";
import {
  AUDIENCE,
  claimsFor,
  createHarness,
  type Harness,
  NOW,
  NOW_MS,
  newJti,
  newTestKey,
  ORIGIN,
  PATH,
  requestWith,
  signJwt,
  signRaw,
  type TestKey,
} from "../core/support.js";

export type Expected = { valid: true } | { valid: false; code: string; status: 401 | 403 };

interface Context {
  h: Harness;
  key: TestKey;
  other: TestKey;
}

export interface VerifierCase {
  name: string;
  expected: Expected;
  key?: Partial<VerificationKey>;
  harness?: Parameters<typeof createHarness>[0];
  run(ctx: Context): Promise<VerifyOutcome>;
}

const ok: Expected = { valid: true };
const fail = (code: string, status: 401 | 403 = 401): Expected => ({ valid: false, code, status });

const header = (key: TestKey, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ alg: "EdDSA", typ: "signet+jwt", kid: key.id, ...extra });

/** Signs claimsFor(key) with overrides and verifies it as GET /v1/orders. */
const claims =
  (overrides: Record<string, unknown>, request: Parameters<typeof requestWith>[1] = {}) =>
  async ({ h, key }: Context) =>
    h.verify(requestWith(await signJwt(key, claimsFor(key.id, overrides)), request));

const rawHeader =
  (make: (key: TestKey) => string) =>
  async ({ h, key }: Context) =>
    h.verify(requestWith(await signRaw(key, make(key), JSON.stringify(claimsFor(key.id)))));

const mangled =
  (mangle: (token: string) => string) =>
  async ({ h, key }: Context) =>
    h.verify(requestWith(mangle(await signJwt(key, claimsFor(key.id)))));

const authorization =
  (make: (token: string) => string | string[]) =>
  async ({ h, key }: Context) => {
    const token = await signJwt(key, claimsFor(key.id));
    return h.verify(requestWith(token, { authorization: make(token) }));
  };

export const VERIFIER_CASES: VerifierCase[] = [
  { name: "a valid assertion", expected: ok, run: claims({}) },
  {
    name: "a lower-case bearer scheme",
    expected: ok,
    run: authorization((t) => `bearer ${t}`),
  },
  // 1. syntax
  {
    name: "two segments",
    expected: fail("malformed_token"),
    run: mangled((t) => t.slice(0, t.lastIndexOf("."))),
  },
  { name: "a padded signature", expected: fail("malformed_token"), run: mangled((t) => `${t}==`) },
  {
    name: "two Authorization values",
    expected: fail("malformed_token"),
    run: authorization((t) => [`Bearer ${t}`, `Bearer ${t}`]),
  },
  { name: "the Basic scheme", expected: fail("malformed_token"), run: authorization((t) => `Basic ${t}`) },
  {
    name: "a token over 4 KiB",
    expected: fail("malformed_token"),
    run: claims({ pad: "x".repeat(5000) }),
  },
  // 2. header
  {
    name: "header alg none",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { alg: "none" })),
  },
  {
    name: "header alg HS256",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { alg: "HS256" })),
  },
  {
    name: "header typ JWT",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { typ: "JWT" })),
  },
  {
    name: "header without kid",
    expected: fail("invalid_token"),
    run: rawHeader(() => JSON.stringify({ alg: "EdDSA", typ: "signet+jwt" })),
  },
  {
    name: "header crit",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { crit: ["exp"], exp: NOW })),
  },
  { name: "header b64", expected: fail("invalid_token"), run: rawHeader((k) => header(k, { b64: false })) },
  {
    name: "header jwk",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { jwk: k.pair.publicJwk })),
  },
  {
    name: "header jku",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { jku: "https://evil.example/j" })),
  },
  {
    name: "header x5u",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { x5u: "https://evil.example/c" })),
  },
  {
    name: "header x5c",
    expected: fail("invalid_token"),
    run: rawHeader((k) => header(k, { x5c: ["MIIB"] })),
  },
  { name: "header cty", expected: fail("invalid_token"), run: rawHeader((k) => header(k, { cty: "JWT" })) },
  {
    name: "header with a duplicate member",
    expected: fail("invalid_token"),
    run: rawHeader((k) => `{"alg":"EdDSA","alg":"EdDSA","typ":"signet+jwt","kid":"${k.id}"}`),
  },
  {
    name: "header with a duplicate through an escaped name",
    expected: fail("invalid_token"),
    run: rawHeader((k) => `{"alg":"EdDSA","\\u0061lg":"EdDSA","typ":"signet+jwt","kid":"${k.id}"}`),
  },
  // 3-4. key lookup and signature: the same generic answer
  {
    name: "an unknown kid",
    expected: fail("invalid_token"),
    run: async ({ h, key }) =>
      h.verify(requestWith(await signJwt(key, claimsFor(key.id), { kid: newKeyId() }))),
  },
  {
    name: "a signature by another key",
    expected: fail("invalid_token"),
    run: async ({ h, key, other }) =>
      h.verify(requestWith(await signJwt(other, claimsFor(key.id), { kid: key.id }))),
  },
  {
    name: "a tampered payload",
    expected: fail("invalid_token"),
    run: async ({ h, key }) => {
      const [head, , signature] = (await signJwt(key, claimsFor(key.id))).split(".");
      const body = await signJwt(key, claimsFor(key.id, { scope: "orders:write" }));
      return h.verify(requestWith(`${head}.${body.split(".")[1]}.${signature}`));
    },
  },
  // 5. key status
  {
    name: "a revoked key",
    expected: fail("key_revoked"),
    key: { revokedAt: NOW_MS - 1000 },
    run: claims({}),
  },
  { name: "a disabled key", expected: fail("key_disabled"), key: { disabled: true }, run: claims({}) },
  { name: "an expired key", expected: fail("key_expired"), key: { expiresAt: NOW_MS }, run: claims({}) },
  {
    name: "an address outside allowed_ips",
    expected: fail("ip_not_allowed"),
    key: { allowedIps: ["203.0.113.0/24"] },
    run: claims({}, { ip: "198.51.100.7" }),
  },
  {
    name: "an IPv4-mapped IPv6 address inside allowed_ips",
    expected: ok,
    key: { allowedIps: ["203.0.113.0/24"] },
    run: claims({}, { ip: "::ffff:203.0.113.7" }),
  },
  // 6. claims
  { name: "iat = now + 60", expected: ok, run: claims({ iat: NOW + 60, exp: NOW + 120 }) },
  {
    name: "iat = now + 61",
    expected: fail("token_not_yet_valid"),
    run: claims({ iat: NOW + 61, exp: NOW + 121 }),
  },
  { name: "exp - iat = 300", expected: ok, run: claims({ iat: NOW, exp: NOW + 300 }) },
  { name: "exp - iat = 301", expected: fail("invalid_claims"), run: claims({ iat: NOW, exp: NOW + 301 }) },
  { name: "exp = now - 60", expected: fail("token_expired"), run: claims({ iat: NOW - 100, exp: NOW - 60 }) },
  {
    name: "a per-key maxLifetime of 120 s",
    expected: fail("invalid_claims"),
    key: { maxLifetime: 120 },
    run: claims({ iat: NOW, exp: NOW + 121 }),
  },
  { name: "nbf = now + 61", expected: fail("token_not_yet_valid"), run: claims({ nbf: NOW + 61 }) },
  // (ids are random: made per run, since workerd allows no randomness at module scope)
  { name: "iss != sub", expected: fail("invalid_claims"), run: (ctx) => claims({ sub: newKeyId() })(ctx) },
  {
    name: "another audience",
    expected: fail("audience_mismatch"),
    run: claims({ aud: "https://other.example.com" }),
  },
  { name: "aud as an array", expected: fail("audience_mismatch"), run: claims({ aud: [AUDIENCE] }) },
  { name: "a jti of 15 characters", expected: fail("invalid_claims"), run: claims({ jti: "c".repeat(15) }) },
  {
    name: "a jti of 129 characters",
    expected: fail("invalid_claims"),
    run: claims({ jti: "d".repeat(129) }),
  },
  { name: "a missing jti", expected: fail("invalid_claims"), run: claims({ jti: undefined }) },
  { name: "another method", expected: fail("request_mismatch"), run: claims({ htm: "POST" }) },
  { name: "a lower-case htm", expected: fail("request_mismatch"), run: claims({ htm: "get" }) },
  {
    name: "another host in htu",
    expected: fail("request_mismatch"),
    run: claims({ htu: `https://evil.example.com${PATH}` }),
  },
  {
    name: "another port in htu",
    expected: fail("request_mismatch"),
    run: claims({ htu: `https://api.example.com:8443${PATH}` }),
  },
  { name: "a query in htu (ignored)", expected: ok, run: claims({ htu: `${ORIGIN}${PATH}?q=1` }) },
  {
    name: "dot segments in htu (normalised)",
    expected: ok,
    run: claims({ htu: `${ORIGIN}/v1/x/../orders` }),
  },
  { name: "%2F is not /", expected: fail("request_mismatch"), run: claims({ htu: `${ORIGIN}/v1%2Forders` }) },
  // 7. replay
  {
    name: "the same token twice",
    expected: fail("replayed_token"),
    run: async ({ h, key }) => {
      const token = await signJwt(key, claimsFor(key.id));
      const first = await h.verify(requestWith(token));
      if (!first.valid) throw new Error(`first use failed: ${first.code}`);
      return h.verify(requestWith(token));
    },
  },
  {
    name: "a new token reusing a jti",
    expected: fail("replayed_token"),
    run: async ({ h, key }) => {
      const jti = newJti();
      await h.verify(requestWith(await signJwt(key, claimsFor(key.id, { jti }))));
      return h.verify(requestWith(await signJwt(key, claimsFor(key.id, { jti, exp: NOW + 61 }))));
    },
  },
  // 8. scopes
  {
    name: "a scope claim narrowing below the route's need",
    expected: fail("insufficient_scope", 403),
    run: claims({ scope: "orders:read" }, { requiredScopes: ["orders:write"] }),
  },
  {
    name: "a scope claim wider than the key",
    expected: fail("insufficient_scope", 403),
    key: { scopes: ["orders:read"] },
    run: claims({ scope: "orders:* admin:all" }, { requiredScopes: ["admin:all"] }),
  },
  {
    name: "orders:* on the key covers orders:read",
    expected: ok,
    key: { scopes: ["orders:*"] },
    run: claims({}, { requiredScopes: ["orders:read"] }),
  },
  // reusable keys
  {
    name: "a reusable key without htm, htu and jti",
    expected: ok,
    key: { reusable: true },
    run: claims({ htm: undefined, htu: undefined, jti: undefined }),
  },
  {
    name: "a per-request key without htm",
    expected: fail("request_mismatch"),
    run: claims({ htm: undefined }),
  },
  {
    name: "a lower server-wide maxLifetime",
    expected: fail("invalid_claims"),
    harness: { maxLifetime: 30 },
    run: claims({ iat: NOW, exp: NOW + 31 }),
  },
];

export interface CaseResult {
  name: string;
  outcome: Expected | { error: string };
}

/** Runs every case on this runtime's Web Crypto; each on a fresh harness and frozen clock. */
export async function runVerifierCases(): Promise<CaseResult[]> {
  const key = await newTestKey(webCryptoProvider);
  const other = await newTestKey(webCryptoProvider);
  const results: CaseResult[] = [];
  for (const c of VERIFIER_CASES) {
    try {
      const h = createHarness(c.harness);
      await h.addKey(key, c.key);
      const outcome = await c.run({ h, key, other });
      results.push({
        name: c.name,
        outcome: outcome.valid
          ? { valid: true }
          : { valid: false, code: outcome.code, status: outcome.status },
      });
    } catch (error) {
      results.push({ name: c.name, outcome: { error: String(error) } });
    }
  }
  return results;
}
