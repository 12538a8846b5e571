import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { VerifierUnavailableError } from "../../src/core/errors.js";
import { newKeyId } from "../../src/core/ids.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import {
  createVerifier,
  type KeyResolver,
  MAX_TOKEN_LENGTH,
  type ReplayStore,
  type VerifyFailure,
  type VerifyOutcome,
  type VerifySuccess,
} from "../../src/core/verifier.js";
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
} from "./support.js";

function expectValid(outcome: VerifyOutcome): VerifySuccess {
  if (!outcome.valid) throw new Error(`expected a valid token, got ${outcome.code}: ${outcome.message}`);
  return outcome;
}

function expectFailure(
  outcome: VerifyOutcome,
  code: VerifyFailure["code"],
  status: 401 | 403 = 401,
): VerifyFailure {
  if (outcome.valid) throw new Error(`expected ${code}, got a valid token`);
  expect(outcome.code).toBe(code);
  expect(outcome.status).toBe(status);
  return outcome;
}

/** The single generic answer before the signature holds: no details, no server_time. */
const GENERIC_INVALID = {
  valid: false,
  code: "invalid_token",
  status: 401,
  message: "the bearer token is not valid",
  details: {},
};

let key: TestKey;
let otherKey: TestKey;
let h: Harness;

beforeAll(async () => {
  key = await newTestKey(webCryptoProvider);
  otherKey = await newTestKey(webCryptoProvider);
});

beforeEach(async () => {
  h = createHarness();
  await h.addKey(key);
});

/** Signs claimsFor(key) with overrides and verifies it as GET /v1/orders. */
async function verifyClaims(
  overrides: Record<string, unknown>,
  request: Parameters<typeof requestWith>[1] = {},
) {
  return h.verify(requestWith(await signJwt(key, claimsFor(key.id, overrides)), request));
}

describe("a valid assertion", () => {
  it("verifies and reports the key, account, scopes and claims", async () => {
    const claims = claimsFor(key.id);
    const outcome = expectValid(await h.verify(requestWith(await signJwt(key, claims))));
    expect(outcome.keyId).toBe(key.id);
    expect(outcome.accountId).toBe(h.keys.get(key.id)?.key.accountId);
    expect(outcome.scopes).toEqual(["orders:read", "orders:write"]);
    expect(outcome.claims).toEqual(claims);
  });

  it("records (kid, jti) in the replay store until exp + clockSkew", async () => {
    const jti = newJti();
    expectValid(await verifyClaims({ jti, exp: NOW + 100 }));
    expect([...h.replayed]).toEqual([[`${key.id}|${jti}`, (NOW + 100 + 60) * 1000]]);
  });

  it("accepts a lower-case bearer scheme (RFC 7235 schemes are case-insensitive)", async () => {
    const token = await signJwt(key, claimsFor(key.id));
    expectValid(await h.verify(requestWith(token, { authorization: `bearer ${token}` })));
  });

  it("accepts the header as a one-element array", async () => {
    const token = await signJwt(key, claimsFor(key.id));
    expectValid(await h.verify(requestWith(token, { authorization: [`Bearer ${token}`] })));
  });
});

describe("claims: iat, exp, nbf and lifetime on the frozen clock", () => {
  it("accepts iat = now + 60 (exactly the clock skew)", async () => {
    expectValid(await verifyClaims({ iat: NOW + 60, exp: NOW + 120 }));
  });

  it("rejects iat = now + 61 as token_not_yet_valid", async () => {
    const failure = expectFailure(
      await verifyClaims({ iat: NOW + 61, exp: NOW + 121 }),
      "token_not_yet_valid",
    );
    expect(failure.details).toMatchObject({ iat: NOW + 61, skew_seconds: 61, server_time: NOW });
  });

  it("accepts exp - iat = 300", async () => {
    expectValid(await verifyClaims({ iat: NOW, exp: NOW + 300 }));
  });

  it("rejects exp - iat = 301 as invalid_claims naming the cap", async () => {
    const failure = expectFailure(await verifyClaims({ iat: NOW, exp: NOW + 301 }), "invalid_claims");
    expect(failure.details.max_lifetime).toBe(300);
  });

  it("rejects exp <= iat", async () => {
    expectFailure(await verifyClaims({ iat: NOW, exp: NOW }), "invalid_claims");
  });

  it("accepts exp = now - 59 (still inside the skew)", async () => {
    expectValid(await verifyClaims({ iat: NOW - 100, exp: NOW - 59 }));
  });

  it("rejects exp = now - 60 as token_expired with the skew seen", async () => {
    const failure = expectFailure(await verifyClaims({ iat: NOW - 100, exp: NOW - 60 }), "token_expired");
    expect(failure.details).toMatchObject({ exp: NOW - 60, skew_seconds: -60, server_time: NOW });
  });

  it("honours a per-key maxLifetime lower than the server's", async () => {
    h.updateKey(key.id, { maxLifetime: 120 });
    expectValid(await verifyClaims({ iat: NOW, exp: NOW + 120 }));
    const failure = expectFailure(await verifyClaims({ iat: NOW, exp: NOW + 121 }), "invalid_claims");
    expect(failure.details.max_lifetime).toBe(120);
  });

  it("never lets a per-key maxLifetime exceed the server's", async () => {
    h.updateKey(key.id, { maxLifetime: 600 });
    const failure = expectFailure(await verifyClaims({ iat: NOW, exp: NOW + 301 }), "invalid_claims");
    expect(failure.details.max_lifetime).toBe(300);
  });

  it("honours a lower server-wide maxLifetime", async () => {
    h = createHarness({ maxLifetime: 30 });
    await h.addKey(key);
    expectValid(await verifyClaims({ iat: NOW, exp: NOW + 30 }));
    expectFailure(await verifyClaims({ iat: NOW, exp: NOW + 31 }), "invalid_claims");
  });

  it("accepts nbf = now + 60 and rejects nbf = now + 61", async () => {
    expectValid(await verifyClaims({ nbf: NOW + 60 }));
    const failure = expectFailure(await verifyClaims({ nbf: NOW + 61 }), "token_not_yet_valid");
    expect(failure.details).toMatchObject({ nbf: NOW + 61, skew_seconds: 61 });
  });

  it.each([
    ["iat missing", { iat: undefined }],
    ["iat as a string", { iat: String(NOW) }],
    ["exp missing", { exp: undefined }],
    ["exp as a string", { exp: String(NOW + 60) }],
    ["nbf as a string", { nbf: String(NOW) }],
  ])("rejects %s as invalid_claims", async (_name, overrides) => {
    expectFailure(await verifyClaims(overrides), "invalid_claims");
  });
});

describe("claims: iss, sub, aud", () => {
  it("rejects iss != sub", async () => {
    expectFailure(await verifyClaims({ sub: newKeyId() }), "invalid_claims");
  });

  it("rejects iss = sub naming another key", async () => {
    const other = newKeyId();
    expectFailure(await verifyClaims({ iss: other, sub: other }), "invalid_claims");
  });

  it("rejects another audience and names the expected one", async () => {
    const failure = expectFailure(
      await verifyClaims({ aud: "https://other.example.com" }),
      "audience_mismatch",
    );
    expect(failure.details.expected_audience).toBe(AUDIENCE);
  });

  it("rejects aud as an array, even one holding the right audience", async () => {
    const failure = expectFailure(await verifyClaims({ aud: [AUDIENCE] }), "audience_mismatch");
    expect(failure.details.expected_audience).toBe(AUDIENCE);
  });

  it("rejects a missing aud", async () => {
    expectFailure(await verifyClaims({ aud: undefined }), "audience_mismatch");
  });

  it("rejects an audience that differs only by a trailing slash", async () => {
    expectFailure(await verifyClaims({ aud: `${AUDIENCE}/` }), "audience_mismatch");
  });
});

describe("claims: jti", () => {
  it.each([
    ["16 characters", "a".repeat(16)],
    ["128 characters", "b".repeat(128)],
  ])("accepts a jti of %s", async (_name, jti) => {
    expectValid(await verifyClaims({ jti }));
  });

  it.each([
    ["missing", undefined],
    ["15 characters", "c".repeat(15)],
    ["129 characters", "d".repeat(129)],
    ["a number", 1234567890123456],
    ["empty", ""],
  ])("rejects a jti that is %s", async (_name, jti) => {
    expectFailure(await verifyClaims({ jti }), "invalid_claims");
    expect(h.replayed.size).toBe(0);
  });
});

describe("claims: htm", () => {
  it("rejects another method and names the expected one", async () => {
    const failure = expectFailure(await verifyClaims({ htm: "POST" }), "request_mismatch");
    expect(failure.details.expected_htm).toBe("GET");
  });

  it("compares the method exactly (lower-case htm fails)", async () => {
    expectFailure(await verifyClaims({ htm: "get" }), "request_mismatch");
  });

  it("rejects a missing htm for a per-request key", async () => {
    expectFailure(await verifyClaims({ htm: undefined }), "request_mismatch");
  });

  it("accepts a matching non-GET method", async () => {
    expectValid(await verifyClaims({ htm: "DELETE" }, { method: "DELETE" }));
  });
});

describe("claims: htu", () => {
  it("rejects another host and names the expected htu", async () => {
    const failure = expectFailure(
      await verifyClaims({ htu: `https://evil.example.com${PATH}` }),
      "request_mismatch",
    );
    expect(failure.details.expected_htu).toBe(`${ORIGIN}${PATH}`);
  });

  it("rejects another scheme", async () => {
    expectFailure(await verifyClaims({ htu: `http://api.example.com${PATH}` }), "request_mismatch");
  });

  it("rejects another port", async () => {
    expectFailure(await verifyClaims({ htu: `https://api.example.com:8443${PATH}` }), "request_mismatch");
  });

  it("rejects another path", async () => {
    expectFailure(await verifyClaims({ htu: `${ORIGIN}/v1/admin` }), "request_mismatch");
  });

  it("rejects a missing htu for a per-request key", async () => {
    expectFailure(await verifyClaims({ htu: undefined }), "request_mismatch");
  });

  it("rejects an htu with userinfo", async () => {
    expectFailure(await verifyClaims({ htu: `https://user@api.example.com${PATH}` }), "request_mismatch");
  });

  it("ignores a query string in the htu claim", async () => {
    expectValid(await verifyClaims({ htu: `${ORIGIN}${PATH}?q=1` }));
  });

  it("ignores a query string in the request path", async () => {
    expectValid(await verifyClaims({ htu: `${ORIGIN}${PATH}` }, { path: `${PATH}?page=2&q=x` }));
  });

  it("compares htu and path with both queries dropped", async () => {
    expectValid(await verifyClaims({ htu: `${ORIGIN}${PATH}?q=1` }, { path: `${PATH}?q=2` }));
  });

  it("keeps %2F distinct from / (claim encoded, path plain)", async () => {
    expectFailure(await verifyClaims({ htu: `${ORIGIN}/v1%2Forders` }), "request_mismatch");
  });

  it("keeps %2F distinct from / (claim plain, path encoded)", async () => {
    expectFailure(
      await verifyClaims({ htu: `${ORIGIN}/files/a/b` }, { path: "/files/a%2Fb" }),
      "request_mismatch",
    );
  });

  it("matches %2f against %2F (hex case is normalised)", async () => {
    expectValid(await verifyClaims({ htu: `${ORIGIN}/files/a%2fb` }, { path: "/files/a%2Fb" }));
  });

  it("removes dot segments before comparing", async () => {
    expectValid(await verifyClaims({ htu: `${ORIGIN}/v1/./x/../orders` }));
  });

  it("decodes percent-encoded unreserved characters before comparing", async () => {
    expectValid(await verifyClaims({ htu: `${ORIGIN}/v1/%6Frders` }));
  });

  it("normalises scheme and host case and the default port", async () => {
    expectValid(await verifyClaims({ htu: `HTTPS://API.Example.COM:443${PATH}` }));
  });
});

describe("replay", () => {
  it("rejects the second use of a token as replayed_token", async () => {
    const token = await signJwt(key, claimsFor(key.id));
    expectValid(await h.verify(requestWith(token)));
    const failure = expectFailure(await h.verify(requestWith(token)), "replayed_token");
    expect(failure.details.server_time).toBe(NOW);
  });

  it("rejects a new token reusing a jti of the same key", async () => {
    const jti = newJti();
    expectValid(await verifyClaims({ jti }));
    expectFailure(await verifyClaims({ jti, exp: NOW + 61 }), "replayed_token");
  });

  it("tracks jti per key", async () => {
    await h.addKey(otherKey);
    const jti = newJti();
    expectValid(await verifyClaims({ jti }));
    expectValid(await h.verify(requestWith(await signJwt(otherKey, claimsFor(otherKey.id, { jti })))));
  });

  it("records nothing when a claim fails", async () => {
    expectFailure(await verifyClaims({ aud: "https://other.example.com" }), "audience_mismatch");
    expectFailure(await verifyClaims({ htm: "POST" }), "request_mismatch");
    expect(h.replayed.size).toBe(0);
  });
});

describe("scopes", () => {
  it("a scope claim narrows the token", async () => {
    const outcome = expectValid(
      await verifyClaims({ scope: "orders:read" }, { requiredScopes: ["orders:read"] }),
    );
    expect(outcome.scopes).toEqual(["orders:read"]);
    const failure = expectFailure(
      await verifyClaims({ scope: "orders:read" }, { requiredScopes: ["orders:write"] }),
      "insufficient_scope",
      403,
    );
    expect(failure.details.missing_scopes).toEqual(["orders:write"]);
  });

  it("a scope claim wider than the key grants nothing extra", async () => {
    h.updateKey(key.id, { scopes: ["orders:read"] });
    const outcome = expectValid(await verifyClaims({ scope: "orders:* admin:all" }));
    expect(outcome.scopes).toEqual(["orders:read"]);
    const write = expectFailure(
      await verifyClaims({ scope: "orders:* admin:all" }, { requiredScopes: ["orders:write"] }),
      "insufficient_scope",
      403,
    );
    expect(write.details.missing_scopes).toEqual(["orders:write"]);
    const admin = expectFailure(
      await verifyClaims({ scope: "orders:* admin:all" }, { requiredScopes: ["admin:all"] }),
      "insufficient_scope",
      403,
    );
    expect(admin.details.missing_scopes).toEqual(["admin:all"]);
  });

  it("missing required scopes give 403 insufficient_scope with the missing, required and granted scopes", async () => {
    const failure = expectFailure(
      await verifyClaims({}, { requiredScopes: ["orders:read", "billing:read", "users:write"] }),
      "insufficient_scope",
      403,
    );
    expect(failure.details).toMatchObject({
      required_scopes: ["orders:read", "billing:read", "users:write"],
      missing_scopes: ["billing:read", "users:write"],
      granted_scopes: ["orders:read", "orders:write"],
      server_time: NOW,
    });
  });

  it("orders:* on the key covers a required orders:read", async () => {
    h.updateKey(key.id, { scopes: ["orders:*"] });
    expectValid(await verifyClaims({}, { requiredScopes: ["orders:read", "orders:write"] }));
    expectFailure(await verifyClaims({}, { requiredScopes: ["ordersx:read"] }), "insufficient_scope", 403);
  });

  it("a token scope orders:read under a key orders:* grants orders:read only", async () => {
    h.updateKey(key.id, { scopes: ["orders:*"] });
    const outcome = expectValid(
      await verifyClaims({ scope: "orders:read" }, { requiredScopes: ["orders:read"] }),
    );
    expect(outcome.scopes).toEqual(["orders:read"]);
    expectFailure(
      await verifyClaims({ scope: "orders:read" }, { requiredScopes: ["orders:write"] }),
      "insufficient_scope",
      403,
    );
  });

  it.each([
    ["not a scope", "orders"],
    ["empty", ""],
    ["double space", "orders:read  orders:write"],
    ["an array", ["orders:read"]],
  ])("rejects a scope claim that is %s", async (_name, scope) => {
    expectFailure(await verifyClaims({ scope }), "invalid_claims");
  });
});

describe("key status", () => {
  it("revoked -> key_revoked", async () => {
    h.updateKey(key.id, { revokedAt: NOW_MS - 1000 });
    const failure = expectFailure(await verifyClaims({}), "key_revoked");
    expect(failure.details).toMatchObject({ key_id: key.id, server_time: NOW });
  });

  it("disabled -> key_disabled", async () => {
    h.updateKey(key.id, { disabled: true });
    expectFailure(await verifyClaims({}), "key_disabled");
  });

  it("expired (expiresAt = now) -> key_expired with the expiry time", async () => {
    h.updateKey(key.id, { expiresAt: NOW_MS });
    const failure = expectFailure(await verifyClaims({}), "key_expired");
    expect(failure.details.expired_at).toBe(new Date(NOW_MS).toISOString());
  });

  it("a key expiring in the future still works", async () => {
    h.updateKey(key.id, { expiresAt: NOW_MS + 1000 });
    expectValid(await verifyClaims({}));
  });

  it("reports revocation before a disabled flag", async () => {
    h.updateKey(key.id, { revokedAt: NOW_MS, disabled: true });
    expectFailure(await verifyClaims({}), "key_revoked");
  });

  it("records nothing for a revoked key", async () => {
    h.updateKey(key.id, { revokedAt: NOW_MS });
    await verifyClaims({});
    expect(h.replayed.size).toBe(0);
  });
});

describe("allowed IPs", () => {
  it.each([
    ["an IPv4 address inside a v4 CIDR", ["203.0.113.0/24"], "203.0.113.7"],
    ["an IPv6 address inside a v6 CIDR", ["2001:db8::/32"], "2001:db8:1::42"],
    ["an IPv4-mapped IPv6 address inside a v4 CIDR", ["203.0.113.0/24"], "::ffff:203.0.113.7"],
    ["an address in the second of two ranges", ["10.0.0.0/8", "2001:db8::/32"], "2001:db8::1"],
    ["any address when the list is empty", [], "198.51.100.1"],
    ["an unknown address when the list is empty", [], undefined],
  ])("allows %s", async (_name, allowedIps, ip) => {
    h.updateKey(key.id, { allowedIps });
    expectValid(await verifyClaims({}, { ip }));
  });

  it.each([
    ["an IPv4 address outside the v4 CIDR", ["203.0.113.0/24"], "203.0.114.7"],
    ["an IPv6 address outside the v6 CIDR", ["2001:db8::/32"], "2001:db9::1"],
    ["an IPv4-mapped address outside the v4 CIDR", ["203.0.113.0/24"], "::ffff:198.51.100.1"],
    ["an IPv4 address against a v6-only list", ["2001:db8::/32"], "203.0.113.7"],
    ["an unknown address with a non-empty list", ["203.0.113.0/24"], undefined],
    ["an unparseable address with a non-empty list", ["203.0.113.0/24"], "not-an-ip"],
  ])("refuses %s with ip_not_allowed", async (_name, allowedIps, ip) => {
    h.updateKey(key.id, { allowedIps });
    const failure = expectFailure(await verifyClaims({}, { ip }), "ip_not_allowed");
    expect(failure.details).toMatchObject({ key_id: key.id, ip: ip ?? null });
  });
});

describe("reusable keys", () => {
  const reusableClaims = (overrides: Record<string, unknown> = {}) =>
    claimsFor(key.id, { jti: undefined, htm: undefined, htu: undefined, exp: NOW + 300, ...overrides });

  beforeEach(() => {
    h.updateKey(key.id, { reusable: true });
  });

  it("accepts a token without htm, htu and jti, and records nothing", async () => {
    expectValid(await h.verify(requestWith(await signJwt(key, reusableClaims()))));
    expect(h.replayed.size).toBe(0);
  });

  it("still caps the lifetime at 300 s", async () => {
    expectFailure(
      await h.verify(requestWith(await signJwt(key, reusableClaims({ exp: NOW + 301 })))),
      "invalid_claims",
    );
  });

  it("accepts a second use from the verified-token cache, without checking the signature again", async () => {
    const token = await signJwt(key, reusableClaims());
    expectValid(await h.verify(requestWith(token)));
    expect(h.signatureChecks.count).toBe(1);
    const again = expectValid(await h.verify(requestWith(token, { method: "POST", path: "/v1/other" })));
    expect(again.keyId).toBe(key.id);
    expect(h.signatureChecks.count).toBe(1);
  });

  it("stops accepting a cached token once the key is revoked", async () => {
    const token = await signJwt(key, reusableClaims());
    expectValid(await h.verify(requestWith(token)));
    h.updateKey(key.id, { revokedAt: NOW_MS });
    expectFailure(await h.verify(requestWith(token)), "key_revoked");
  });

  it("stops accepting a cached token once the key is gone", async () => {
    const token = await signJwt(key, reusableClaims());
    expectValid(await h.verify(requestWith(token)));
    h.keys.delete(key.id);
    expect(await h.verify(requestWith(token))).toEqual(GENERIC_INVALID);
  });

  it("stops accepting a cached token after exp (plus skew)", async () => {
    const token = await signJwt(key, reusableClaims({ exp: NOW + 120 }));
    expectValid(await h.verify(requestWith(token)));
    h.clock.set((NOW + 120 + 59) * 1000);
    expectValid(await h.verify(requestWith(token)));
    h.clock.set((NOW + 120 + 60) * 1000);
    expectFailure(await h.verify(requestWith(token)), "token_expired");
  });

  it("still applies required scopes and allowed IPs on a cache hit", async () => {
    const token = await signJwt(key, reusableClaims({ scope: "orders:read" }));
    expectValid(await h.verify(requestWith(token)));
    const failure = expectFailure(
      await h.verify(requestWith(token, { requiredScopes: ["orders:write"] })),
      "insufficient_scope",
      403,
    );
    expect(failure.details.missing_scopes).toEqual(["orders:write"]);
    h.updateKey(key.id, { allowedIps: ["203.0.113.0/24"] });
    expectFailure(await h.verify(requestWith(token, { ip: "198.51.100.1" })), "ip_not_allowed");
  });

  it("checks htm and htu when a reusable token carries them, on every use", async () => {
    const token = await signJwt(key, reusableClaims({ htm: "GET", htu: `${ORIGIN}${PATH}` }));
    expectValid(await h.verify(requestWith(token)));
    expectFailure(await h.verify(requestWith(token, { path: "/v1/admin" })), "request_mismatch");
    expectFailure(await h.verify(requestWith(token, { method: "DELETE" })), "request_mismatch");
    expectValid(await h.verify(requestWith(token)));
  });

  it("single-uses a reusable token that carries a jti", async () => {
    const token = await signJwt(key, reusableClaims({ jti: newJti() }));
    expectValid(await h.verify(requestWith(token)));
    expectFailure(await h.verify(requestWith(token)), "replayed_token");
  });

  it("a per-request key still needs htm, htu and jti", async () => {
    h.updateKey(key.id, { reusable: false });
    expectFailure(await h.verify(requestWith(await signJwt(key, reusableClaims()))), "invalid_claims");
  });
});

describe("header rules (before the signature: one generic invalid_token)", () => {
  const payload = () => JSON.stringify(claimsFor(key.id));
  const header = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ alg: "EdDSA", typ: "signet+jwt", kid: key.id, ...extra });

  const cases: Array<[string, () => string]> = [
    ["alg none", () => header({ alg: "none" })],
    ["alg HS256", () => header({ alg: "HS256" })],
    ["alg RS256", () => header({ alg: "RS256" })],
    ["alg Ed25519", () => header({ alg: "Ed25519" })],
    ["alg in lower case", () => header({ alg: "eddsa" })],
    ["missing typ", () => JSON.stringify({ alg: "EdDSA", kid: key.id })],
    ["typ JWT", () => header({ typ: "JWT" })],
    ["typ in upper case", () => header({ typ: "SIGNET+JWT" })],
    ["missing kid", () => JSON.stringify({ alg: "EdDSA", typ: "signet+jwt" })],
    ["kid not a key id", () => header({ kid: "acc_0123456789ABCDEFGHJKMNPQRS" })],
    ["kid as a number", () => header({ kid: 42 })],
    ["extra member crit", () => header({ crit: ["exp"], exp: NOW })],
    ["extra member jwk", () => header({ jwk: { ...key.pair.publicJwk } })],
    ["extra member jku", () => header({ jku: "https://evil.example.com/jwks.json" })],
    ["extra member x5u", () => header({ x5u: "https://evil.example.com/cert.pem" })],
    ["extra member x5c", () => header({ x5c: ["MIIB"] })],
    ["extra member cty", () => header({ cty: "JWT" })],
    ["extra member b64", () => header({ b64: false })],
    ["extra unknown member", () => header({ foo: "bar" })],
    ["duplicate alg", () => `{"alg":"EdDSA","alg":"EdDSA","typ":"signet+jwt","kid":"${key.id}"}`],
    [
      "duplicate kid (second one wins in JSON.parse)",
      () => `{"alg":"EdDSA","typ":"signet+jwt","kid":"${newKeyId()}","kid":"${key.id}"}`,
    ],
    [
      "duplicate via an escaped name",
      () => `{"alg":"EdDSA","\\u0061lg":"EdDSA","typ":"signet+jwt","kid":"${key.id}"}`,
    ],
    ["an array", () => JSON.stringify([{ alg: "EdDSA", typ: "signet+jwt", kid: key.id }])],
    ["not JSON", () => "alg=EdDSA"],
    ["a leading BOM", () => `\uFEFF${header()}`],
  ];

  it.each(cases)("rejects a header with %s", async (_name, makeHeader) => {
    const token = await signRaw(key, makeHeader(), payload());
    expect(await h.verify(requestWith(token))).toEqual(GENERIC_INVALID);
    expect(h.signatureChecks.count).toBe(0);
    expect(h.replayed.size).toBe(0);
  });

  it("the same raw signer produces a valid token with the exact header (control)", async () => {
    expectValid(await h.verify(requestWith(await signRaw(key, header(), payload()))));
  });

  it("rejects claims that repeat a member, after the signature, as invalid_claims", async () => {
    const claims = claimsFor(key.id);
    const text = JSON.stringify(claims).replace("{", `{"aud":"${AUDIENCE}",`);
    const failure = expectFailure(
      await h.verify(requestWith(await signRaw(key, header(), text))),
      "invalid_claims",
    );
    expect(failure.details.server_time).toBe(NOW);
    expect(h.replayed.size).toBe(0);
  });
});

describe("unknown key and bad signature look the same", () => {
  it("an unknown kid and a bad signature give the identical failure", async () => {
    const unknownKid = await signJwt(key, claimsFor(key.id), { kid: newKeyId() });
    const wrongKey = await signJwt(otherKey, claimsFor(key.id), { kid: key.id });
    const unknown = await h.verify(requestWith(unknownKid));
    expect(h.signatureChecks.count).toBe(0);
    const badSignature = await h.verify(requestWith(wrongKey));
    expect(h.signatureChecks.count).toBe(1);
    expect(unknown).toEqual(GENERIC_INVALID);
    expect(badSignature).toEqual(GENERIC_INVALID);
    if (unknown.valid || badSignature.valid) throw new Error("unreachable");
    expect({ ...badSignature }).toStrictEqual({ ...unknown });
    expect(h.replayed.size).toBe(0);
  });

  it("a tampered payload fails like a bad signature", async () => {
    const token = await signJwt(key, claimsFor(key.id));
    const [headerPart, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify(claimsFor(key.id, { scope: "orders:write" }))).toString(
      "base64url",
    );
    expect(await h.verify(requestWith(`${headerPart}.${forged}.${signature}`))).toEqual(GENERIC_INVALID);
    expect(h.signatureChecks.count).toBe(1);
    expect(h.replayed.size).toBe(0);
  });

  it("a signature with non-zero pad bits is not accepted", async () => {
    const token = await signJwt(key, claimsFor(key.id));
    const last = token.at(-1) as string;
    // The 86th character carries 2 data bits and 4 pad bits; flip a pad bit.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const flipped = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(await h.verify(requestWith(token.slice(0, -1) + flipped))).toEqual(GENERIC_INVALID);
  });
});

describe("malformed tokens (one generic malformed_token)", () => {
  const expectMalformed = (outcome: VerifyOutcome) => {
    expect(outcome).toEqual({
      valid: false,
      code: "malformed_token",
      status: 401,
      message: expect.any(String),
      details: {},
    });
  };

  it.each<[string, (token: string) => string]>([
    ["two segments", (t) => t.slice(0, t.lastIndexOf("."))],
    ["four segments", (t) => `${t}.AAAA`],
    ["a padded signature", (t) => `${t}==`],
    ["a padded header", (t) => t.replace(".", "=.")],
    ["whitespace inside", (t) => t.replace(".", ". ")],
    ["a trailing space", (t) => `${t} `],
    ["a standard-base64 character", (t) => `+${t.slice(1)}`],
    [
      "a 63-byte signature",
      (t) => `${t.slice(0, t.lastIndexOf(".") + 1)}${Buffer.alloc(63, 7).toString("base64url")}`,
    ],
    [
      "a 65-byte signature",
      (t) => `${t.slice(0, t.lastIndexOf(".") + 1)}${Buffer.alloc(65, 7).toString("base64url")}`,
    ],
    ["an empty payload segment", (t) => t.replace(/\.[^.]+\./, "..")],
  ])("rejects a token with %s", async (_name, mangle) => {
    const token = await signJwt(key, claimsFor(key.id));
    expectMalformed(await h.verify(requestWith(mangle(token))));
    expect(h.signatureChecks.count).toBe(0);
  });

  it.each<[string, (token: string) => string | readonly string[] | null | undefined]>([
    ["a missing header (undefined)", () => undefined],
    ["a missing header (null)", () => null],
    ["two Authorization values", (t) => [`Bearer ${t}`, `Bearer ${t}`]],
    ["an empty array of values", () => []],
    ["the Basic scheme", (t) => `Basic ${t}`],
    ["no scheme", (t) => t],
    ["Bearer with no token", () => "Bearer "],
    ["two spaces after Bearer", (t) => `Bearer  ${t}`],
    ["DPoP instead of Bearer", (t) => `DPoP ${t}`],
  ])("rejects %s", async (_name, authorization) => {
    const token = await signJwt(key, claimsFor(key.id));
    expectMalformed(await h.verify(requestWith(token, { authorization: authorization(token) })));
  });

  /** A validly signed token padded with a filler claim to exactly `length` characters. */
  async function tokenOfLength(length: number): Promise<string> {
    let filler = 0;
    for (;;) {
      const token = await signJwt(key, claimsFor(key.id, { pad: "x".repeat(filler) }));
      if (token.length === length) return token;
      if (token.length > length) throw new Error(`cannot hit ${length} exactly`);
      filler += Math.max(1, Math.floor(((length - token.length) * 3) / 4) - 1);
    }
  }

  it(`accepts a token of exactly ${MAX_TOKEN_LENGTH} characters`, async () => {
    const token = await tokenOfLength(MAX_TOKEN_LENGTH);
    expectValid(await h.verify(requestWith(token)));
  });

  it(`rejects a token of ${MAX_TOKEN_LENGTH + 1} or more characters`, async () => {
    const overLimit = await tokenOfLength(MAX_TOKEN_LENGTH + 1);
    expectMalformed(await h.verify(requestWith(overLimit)));
    const huge = await signJwt(key, claimsFor(key.id, { pad: "x".repeat(5000) }));
    expectMalformed(await h.verify(requestWith(huge)));
    expect(h.signatureChecks.count).toBe(0);
  });
});

describe("error details", () => {
  it.each<[string, Record<string, unknown>, VerifyFailure["code"]]>([
    ["token_expired", { iat: NOW - 200, exp: NOW - 100 }, "token_expired"],
    ["token_not_yet_valid", { iat: NOW + 100, exp: NOW + 200 }, "token_not_yet_valid"],
    ["audience_mismatch", { aud: "https://other.example.com" }, "audience_mismatch"],
    ["request_mismatch", { htm: "PUT" }, "request_mismatch"],
    ["invalid_claims", { sub: newKeyId() }, "invalid_claims"],
  ])("%s carries details.server_time", async (_name, overrides, code) => {
    const failure = expectFailure(await verifyClaims(overrides), code);
    expect(failure.details.server_time).toBe(NOW);
  });

  it("no failure echoes the token", async () => {
    const token = await signJwt(key, claimsFor(key.id, { aud: "https://other.example.com" }));
    const failure = await h.verify(requestWith(token));
    const text = JSON.stringify(failure);
    for (const segment of token.split(".")) expect(text).not.toContain(segment);
  });
});

describe("fail closed", () => {
  /** Rejects if `promise` has not settled in `ms` (a guard, not a measurement). */
  function within<T>(promise: Promise<T>, ms: number): Promise<T> {
    return Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms),
      ),
    ]);
  }

  async function expectUnavailable(promise: Promise<unknown>) {
    const error = await within(promise, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifierUnavailableError);
    expect((error as VerifierUnavailableError).code).toBe("verifier_unavailable");
  }

  function verifierWith(stores: { resolve?: KeyResolver["resolve"]; record?: ReplayStore["record"] }) {
    return createVerifier({
      keys: { resolve: stores.resolve ?? (async (id) => h.keys.get(id) ?? null) },
      replay: { record: stores.record ?? (async () => true) },
      signatures: joseSignatureVerifier,
      clock: h.clock,
      audience: AUDIENCE,
      publicOrigin: ORIGIN,
      storeTimeoutMs: 50,
    });
  }

  it("a KeyResolver that throws -> VerifierUnavailableError", async () => {
    const verify = verifierWith({
      resolve: async () => {
        throw new Error("database is down");
      },
    });
    await expectUnavailable(verify(requestWith(await signJwt(key, claimsFor(key.id)))));
  });

  it("a KeyResolver that hangs -> VerifierUnavailableError after storeTimeoutMs", async () => {
    const verify = verifierWith({ resolve: () => new Promise(() => {}) });
    await expectUnavailable(verify(requestWith(await signJwt(key, claimsFor(key.id)))));
  });

  it("a ReplayStore that hangs -> VerifierUnavailableError after storeTimeoutMs", async () => {
    const verify = verifierWith({ record: () => new Promise(() => {}) });
    await expectUnavailable(verify(requestWith(await signJwt(key, claimsFor(key.id)))));
  });

  it("a ReplayStore that throws -> VerifierUnavailableError", async () => {
    const verify = verifierWith({
      record: async () => {
        throw new Error("redis is down");
      },
    });
    await expectUnavailable(verify(requestWith(await signJwt(key, claimsFor(key.id)))));
  });

  it("a working store with the same settings verifies (control)", async () => {
    const verify = verifierWith({});
    expectValid(await verify(requestWith(await signJwt(key, claimsFor(key.id)))));
  });
});

describe("construction", () => {
  const base = () => ({
    keys: { resolve: async () => null },
    replay: { record: async () => true },
    signatures: joseSignatureVerifier,
    clock: h.clock,
    audience: AUDIENCE,
    publicOrigin: ORIGIN,
  });

  it.each([
    ["a non-http publicOrigin", { publicOrigin: "ftp://api.example.com" }],
    ["an unparseable publicOrigin", { publicOrigin: "api.example.com" }],
    ["an empty audience", { audience: "" }],
    ["a clockSkew above 300", { clockSkew: 301 }],
    ["a negative clockSkew", { clockSkew: -1 }],
    ["a maxLifetime of 0", { maxLifetime: 0 }],
    ["a fractional maxLifetime", { maxLifetime: 1.5 }],
  ])("refuses %s", (_name, overrides) => {
    expect(() => createVerifier({ ...base(), ...overrides })).toThrow();
  });

  it("treats a publicOrigin with a trailing slash as the same origin", async () => {
    h = createHarness({ publicOrigin: `${ORIGIN}/` });
    await h.addKey(key);
    expectValid(await verifyClaims({}));
    const failure = expectFailure(await verifyClaims({ htu: `${ORIGIN}/v1/admin` }), "request_mismatch");
    expect(failure.details.expected_htu).toBe(`${ORIGIN}${PATH}`);
  });

  it("a smaller clockSkew moves the boundaries", async () => {
    h = createHarness({ clockSkew: 5 });
    await h.addKey(key);
    expectValid(await verifyClaims({ iat: NOW + 5, exp: NOW + 65 }));
    expectFailure(await verifyClaims({ iat: NOW + 6, exp: NOW + 66 }), "token_not_yet_valid");
    expectFailure(await verifyClaims({ iat: NOW - 100, exp: NOW - 5 }), "token_expired");
  });
});
