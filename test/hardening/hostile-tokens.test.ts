/**
 * Hostile tokens against the real Node app (buildNodeSignet on a fresh SQLite copy), once per
 * crypto provider Signet runs on. Every case is named, and asserts the HTTP status, the
 * problem `code`, the WWW-Authenticate header, that the token is not echoed, and that nothing
 * was recorded: no replay entry, no key, no audit event, no last-used mark.
 *
 * Most tokens carry a real Ed25519 signature by a registered key (signRaw), so the signature
 * never saves the verifier: only its own rules can refuse them.
 */
import { createHmac, generateKeyPairSync, KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KEY_ID_PATTERN, newKeyId } from "../../src/core/ids.js";
import { cliActor } from "../../src/server/services/actor.js";
import { type Harness, PUBLIC_URL, START_MS, startHarness } from "../server/harness.js";
import {
  b64,
  claimsFor,
  expectProblem,
  freshJti,
  headerFor,
  NOW,
  type Problem,
  type RawKey,
  type Recorded,
  rawKeyOf,
  recorded,
  signRaw,
  signSegments,
  strangerKey,
} from "./support.js";

interface Ctx {
  h: Harness;
  /** keys:manage + demo:read */
  admin: RawKey;
  /** demo:read only */
  narrow: RawKey;
  /** another key of the same account */
  other: RawKey;
  /** not registered anywhere */
  stranger: RawKey;
  revoked: RawKey;
  disabled: RawKey;
  expired: RawKey;
  /** the old key of a rotation whose 60 s grace ended an hour ago */
  rotatedOld: RawKey;
}

interface HostileRequest {
  /** Sent as `Authorization: Bearer <token>`; null sends no Authorization header. */
  token?: string | null;
  /** Raw Authorization values (each appended as its own header). Overrides token. */
  authorization?: string[];
  method?: string;
  /** Path on the public origin; default /v1/whoami. */
  path?: string;
  /** Full URL to request instead of PUBLIC_URL + path (spoofed Host). */
  url?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

interface HostileCase {
  name: string;
  build(ctx: Ctx): Promise<HostileRequest>;
  status: 401 | 403;
  code: string;
  /** Members the problem must carry (precise errors after the signature holds). */
  details?: (ctx: Ctx) => Record<string, unknown>;
  /** Replay entries the case may add: step 7 (replay) precedes step 8 (scopes) by design. */
  replayDelta?: number;
}

/** Members of the one generic answer before the signature holds: nothing else. */
const GENERIC_MEMBERS = ["code", "detail", "request_id", "status", "title", "type"];
const PRE_SIGNATURE = new Set(["invalid_token", "malformed_token"]);

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** base64url of `text` whose last character carries a non-zero pad bit (text length not a multiple of 3). */
function withPadBits(text: string): string {
  let json = text;
  while (Buffer.byteLength(json) % 3 === 0) json = ` ${json}`;
  const canonical = b64(json);
  const last = canonical.at(-1) as string;
  const flipped = ALPHABET[ALPHABET.indexOf(last) ^ 1] as string;
  const mangled = canonical.slice(0, -1) + flipped;
  // jose's lenient decoder reads the same bytes: only the strict pre-check can tell them apart
  expect(Buffer.from(mangled, "base64url").toString()).toBe(json);
  return mangled;
}

const claims = (ctx: Ctx, overrides: Record<string, unknown> = {}, key = ctx.admin) =>
  claimsFor(key.id, NOW, "GET", "/v1/whoami", overrides);
const header = (ctx: Ctx, extra: Record<string, unknown> = {}, key = ctx.admin) => headerFor(key.id, extra);
/** A token with the exact header and the given claim overrides, signed by the admin key. */
const signed = (ctx: Ctx, overrides: Record<string, unknown> = {}) =>
  signRaw(ctx.admin, header(ctx), claims(ctx, overrides));
/** An otherwise valid token padded with a filler claim to at least `length` characters. */
async function paddedTo(ctx: Ctx, length: number): Promise<string> {
  return signed(ctx, { pad: "x".repeat(Math.ceil((length * 3) / 4)) });
}
function hmacToken(alg: "HS256" | "HS512", ctx: Ctx, secret: string | Uint8Array): string {
  const input = `${b64(JSON.stringify({ alg, typ: "signet+jwt", kid: ctx.admin.id }))}.${b64(JSON.stringify(claims(ctx)))}`;
  const mac = createHmac(alg === "HS256" ? "sha256" : "sha512", secret)
    .update(input)
    .digest("base64url");
  return `${input}.${mac}`;
}
const keysBody = { name: "hostile", scopes: ["demo:read"] };
const server_time = NOW;

const CASES: HostileCase[] = [
  // --- alg --------------------------------------------------------------------------------
  {
    name: "alg none with an empty signature",
    build: async (c) => ({
      token: `${b64(JSON.stringify(header(c, { alg: "none" })))}.${b64(JSON.stringify(claims(c)))}.`,
    }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "alg none with a real Ed25519 signature",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { alg: "none" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "HS256 keyed with the raw public key bytes",
    build: async (c) => ({ token: hmacToken("HS256", c, c.admin.publicBytes) }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "HS256 keyed with the public JWK text",
    build: async (c) => ({ token: hmacToken("HS256", c, JSON.stringify(c.admin.publicJwk)) }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "HS256 keyed with the public SPKI PEM",
    build: async (c) => ({ token: hmacToken("HS256", c, c.admin.spkiPem) }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "HS512 keyed with the raw public key bytes (a 64-byte MAC passes the syntax check)",
    build: async (c) => ({ token: hmacToken("HS512", c, c.admin.publicBytes) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "HS512 keyed with the public JWK text",
    build: async (c) => ({ token: hmacToken("HS512", c, JSON.stringify(c.admin.publicJwk)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "HS512 keyed with the public SPKI PEM",
    build: async (c) => ({ token: hmacToken("HS512", c, c.admin.spkiPem) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "RS256 header over an Ed25519 signature",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { alg: "RS256" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "RS256 with a real RSA signature",
    build: async (c) => {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const token = await new SignJWT(claims(c))
        .setProtectedHeader({ alg: "RS256", typ: "signet+jwt", kid: c.admin.id })
        .sign(privateKey);
      return { token };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "ES256 with a real P-256 signature (64 bytes, like Ed25519)",
    build: async (c) => {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const token = await new SignJWT(claims(c))
        .setProtectedHeader({ alg: "ES256", typ: "signet+jwt", kid: c.admin.id })
        .sign(privateKey);
      return { token };
    },
    status: 401,
    code: "invalid_token",
  },
  {
    name: 'alg "Ed25519" (the fully-specified name) instead of EdDSA',
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { alg: "Ed25519" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "alg in lower case",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { alg: "eddsa" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "alg missing",
    build: async (c) => ({
      token: await signRaw(c.admin, { typ: "signet+jwt", kid: c.admin.id }, claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "alg as an array",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { alg: ["EdDSA"] }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "alg as null",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { alg: null }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  // --- forbidden header members ------------------------------------------------------------
  {
    name: "crit naming exp",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { crit: ["exp"], exp: NOW }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "b64:false with crit b64 (unencoded payload)",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { b64: false, crit: ["b64"] }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "an embedded jwk of the attacker's own key, signed by that key",
    build: async (c) => ({
      token: await signRaw(c.stranger, header(c, { jwk: c.stranger.publicJwk }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "jku pointing at an attacker's key set",
    build: async (c) => ({
      token: await signRaw(c.stranger, header(c, { jku: "http://127.0.0.1:1/jwks.json" }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "x5u pointing at an attacker's certificate",
    build: async (c) => ({
      token: await signRaw(c.stranger, header(c, { x5u: "http://127.0.0.1:1/cert.pem" }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "x5c carrying a certificate chain",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { x5c: ["MIIBszCCAVmgAwIBAgIU"] }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "cty JWT (nested token)",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { cty: "JWT" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  // --- typ --------------------------------------------------------------------------------
  {
    name: "typ missing",
    build: async (c) => ({ token: await signRaw(c.admin, { alg: "EdDSA", kid: c.admin.id }, claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "typ JWT",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { typ: "JWT" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "typ at+jwt (an OAuth access token)",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, { typ: "at+jwt" }), claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  // --- duplicates and header shape ----------------------------------------------------------
  {
    name: "duplicate kid in the header (a stranger's, then this key's)",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        `{"alg":"EdDSA","typ":"signet+jwt","kid":"${newKeyId()}","kid":"${c.admin.id}"}`,
        claims(c),
      ),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "duplicate alg in the header, one spelled with a \\u escape",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        `{"alg":"none","\\u0061lg":"EdDSA","typ":"signet+jwt","kid":"${c.admin.id}"}`,
        claims(c),
      ),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "duplicate iss in the claims (after the signature: precise)",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        header(c),
        JSON.stringify(claims(c)).replace("{", `{"iss":"${newKeyId()}",`),
      ),
    }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "duplicate scope in the claims (narrow first, wide last)",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        header(c),
        JSON.stringify(claims(c, { scope: "demo:read" })).replace("{", '{"scope":"keys:manage",'),
      ),
    }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "header that is a JSON array",
    build: async (c) => ({ token: await signRaw(c.admin, [header(c)], claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "header that is a JSON string",
    build: async (c) => ({
      token: await signRaw(c.admin, JSON.stringify(JSON.stringify(header(c))), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "header with a UTF-8 byte order mark",
    build: async (c) => ({ token: await signRaw(c.admin, `\uFEFF${JSON.stringify(header(c))}`, claims(c)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "header with bad UTF-8 (an overlong NUL in kid)",
    build: async (c) => {
      const text = JSON.stringify(header(c));
      const at = text.indexOf(c.admin.id) + c.admin.id.length;
      const bytes = Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xc0, 0x80]),
        Buffer.from(text.slice(at)),
      ]);
      return { token: await signRaw(c.admin, new Uint8Array(bytes), claims(c)) };
    },
    status: 401,
    code: "invalid_token",
  },
  {
    name: "header with a lone 0xFF byte after the object",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        new Uint8Array(Buffer.concat([Buffer.from(JSON.stringify(header(c))), Buffer.from([0xff])])),
        claims(c),
      ),
    }),
    status: 401,
    code: "invalid_token",
  },
  // --- segments -------------------------------------------------------------------------
  {
    name: "2 segments",
    build: async (c) => {
      const token = await signed(c);
      return { token: token.slice(0, token.lastIndexOf(".")) };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "4 segments",
    build: async (c) => ({ token: `${await signed(c)}.${b64("x")}` }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "5 segments (a JWE shape)",
    build: async (c) => {
      const [h, p, s] = (await signed(c)).split(".");
      return { token: `${h}.${p}.${b64("iv-iv-iv-iv")}.${s}.${b64("tag")}` };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "an empty header segment",
    build: async (c) => {
      const token = await signed(c);
      return { token: token.slice(token.indexOf(".")) };
    },
    status: 401,
    code: "malformed_token",
  },
  // --- encodings (each signed over the exact text, so only the pre-check can refuse it) ---
  {
    name: "a space inside the payload segment",
    build: async (c) => {
      const payload = b64(JSON.stringify(claims(c)));
      return {
        token: await signSegments(
          c.admin,
          b64(JSON.stringify(header(c))),
          `${payload.slice(0, 8)} ${payload.slice(8)}`,
        ),
      };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "a tab inside the signature",
    build: async (c) => {
      const token = await signed(c);
      return { token: `${token.slice(0, -10)}\t${token.slice(-10)}` };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "= padding on the header segment",
    build: async (c) => {
      let text = JSON.stringify(header(c));
      while (Buffer.byteLength(text) % 3 === 0) text = ` ${text}`;
      const padded = Buffer.from(text).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
      return { token: await signSegments(c.admin, padded, b64(JSON.stringify(claims(c)))) };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "= padding on the payload segment",
    build: async (c) => {
      let text = JSON.stringify(claims(c));
      while (Buffer.byteLength(text) % 3 === 0) text = ` ${text}`;
      const padded = Buffer.from(text).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
      return { token: await signSegments(c.admin, b64(JSON.stringify(header(c))), padded) };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "= padding on the signature",
    build: async (c) => ({ token: `${await signed(c)}==` }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "+ and / (standard base64) in the payload segment",
    build: async (c) => {
      // find claims whose encoding has a - or _, then sign the standard-alphabet spelling
      for (let i = 0; ; i++) {
        const text = JSON.stringify(claims(c, { n: "?>?>".repeat(i + 1) }));
        const std = Buffer.from(text).toString("base64").replace(/=+$/, "");
        if (/[+/]/.test(std))
          return { token: await signSegments(c.admin, b64(JSON.stringify(header(c))), std) };
      }
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "non-zero pad bits in the header segment (validly signed over that text)",
    build: async (c) => ({
      token: await signSegments(
        c.admin,
        withPadBits(JSON.stringify(header(c))),
        b64(JSON.stringify(claims(c))),
      ),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "non-zero pad bits in the payload segment (validly signed over that text)",
    build: async (c) => ({
      token: await signSegments(
        c.admin,
        b64(JSON.stringify(header(c))),
        withPadBits(JSON.stringify(claims(c))),
      ),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "non-zero pad bits in the signature",
    build: async (c) => {
      const token = await signed(c);
      const last = token.at(-1) as string;
      return { token: token.slice(0, -1) + (ALPHABET[ALPHABET.indexOf(last) ^ 1] as string) };
    },
    status: 401,
    code: "invalid_token",
  },
  {
    name: "a 63-byte signature",
    build: async (c) => {
      const token = await signed(c);
      const signature = Buffer.from(token.slice(token.lastIndexOf(".") + 1), "base64url");
      return { token: `${token.slice(0, token.lastIndexOf(".") + 1)}${b64(signature.subarray(0, 63))}` };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "a 65-byte signature",
    build: async (c) => {
      const token = await signed(c);
      const signature = Buffer.from(token.slice(token.lastIndexOf(".") + 1), "base64url");
      return {
        token: `${token.slice(0, token.lastIndexOf(".") + 1)}${b64(Buffer.concat([signature, Buffer.from([0])]))}`,
      };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "a flattened JSON-serialised JWS",
    build: async (c) => {
      const [protectedHeader, payload, signature] = (await signed(c)).split(".");
      return { token: JSON.stringify({ protected: protectedHeader, payload, signature }) };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "a general JSON-serialised JWS, base64url-wrapped to look like one segment",
    build: async (c) => {
      const [protectedHeader, payload, signature] = (await signed(c)).split(".");
      return {
        token: b64(JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] })),
      };
    },
    status: 401,
    code: "malformed_token",
  },
  // --- size and depth -------------------------------------------------------------------
  {
    name: "a validly signed token of 8 KiB",
    build: async (c) => {
      const token = await paddedTo(c, 8 * 1024);
      expect(token.length).toBeGreaterThanOrEqual(8 * 1024);
      return { token };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "a validly signed token of 2 MiB",
    build: async (c) => {
      const token = await paddedTo(c, 2 * 1024 * 1024);
      expect(token.length).toBeGreaterThanOrEqual(2 * 1024 * 1024);
      return { token };
    },
    status: 401,
    code: "malformed_token",
  },
  {
    name: "claims nested 40 objects deep",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        header(c),
        JSON.stringify(claims(c)).replace("{", `{"deep":${'{"a":'.repeat(40)}1${"}".repeat(40)},`),
      ),
    }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "claims with arrays nested 900 deep",
    build: async (c) => ({
      token: await signRaw(
        c.admin,
        header(c),
        JSON.stringify(claims(c)).replace("{", `{"deep":${"[".repeat(900)}${"]".repeat(900)},`),
      ),
    }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "claims that are a JSON array (signed)",
    build: async (c) => ({ token: await signRaw(c.admin, header(c), [claims(c)]) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  // --- kid ----------------------------------------------------------------------------------
  {
    name: "kid with path traversal",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { kid: `../../../../etc/passwd#${c.admin.id}` }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "kid with SQL",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { kid: `${c.admin.id}' OR '1'='1` }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "kid with a NUL after the real id",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { kid: `${c.admin.id}\u0000` }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "kid of 10 KiB",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { kid: `key_${"A".repeat(10 * 1024)}` }), claims(c)),
    }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "kid in lower case",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c, { kid: c.admin.id.toLowerCase() }), claims(c)),
    }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "another registered key's kid with this key's signature",
    build: async (c) => ({ token: await signRaw(c.admin, header(c, {}, c.other), claims(c, {}, c.other)) }),
    status: 401,
    code: "invalid_token",
  },
  {
    name: "an unregistered kid",
    build: async (c) => ({
      token: await signRaw(c.stranger, header(c, {}, c.stranger), claims(c, {}, c.stranger)),
    }),
    status: 401,
    code: "invalid_token",
  },
  // --- exp, iat, nbf ------------------------------------------------------------------------
  {
    name: "exp missing",
    build: async (c) => ({ token: await signed(c, { exp: undefined }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "exp as a string",
    build: async (c) => ({ token: await signed(c, { exp: String(NOW + 60) }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "exp 1e300",
    build: async (c) => ({ token: await signed(c, { exp: 1e300 }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time, max_lifetime: 300 }),
  },
  {
    name: "exp exactly clockSkew in the past (now - 60)",
    build: async (c) => ({ token: await signed(c, { iat: NOW - 120, exp: NOW - 60 }) }),
    status: 401,
    code: "token_expired",
    details: () => ({ server_time, exp: NOW - 60, skew_seconds: -60 }),
  },
  {
    name: "iat missing",
    build: async (c) => ({ token: await signed(c, { iat: undefined }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "iat one second past the future boundary (now + 61)",
    build: async (c) => ({ token: await signed(c, { iat: NOW + 61, exp: NOW + 120 }) }),
    status: 401,
    code: "token_not_yet_valid",
    details: () => ({ server_time, iat: NOW + 61, skew_seconds: 61 }),
  },
  {
    name: "iat stale at the boundary (iat now - 360, exp = iat + 300 = now - 60)",
    build: async (c) => ({ token: await signed(c, { iat: NOW - 360, exp: NOW - 60 }) }),
    status: 401,
    code: "token_expired",
    details: () => ({ server_time }),
  },
  {
    name: "nbf one second past the future boundary (now + 61)",
    build: async (c) => ({ token: await signed(c, { nbf: NOW + 61 }) }),
    status: 401,
    code: "token_not_yet_valid",
    details: () => ({ server_time, nbf: NOW + 61 }),
  },
  {
    name: "lifetime of 301 s",
    build: async (c) => ({ token: await signed(c, { iat: NOW - 1, exp: NOW + 300 }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time, max_lifetime: 300 }),
  },
  // --- iss, sub, aud -----------------------------------------------------------------------
  {
    name: "iss is the key id, sub is another key's",
    build: async (c) => ({ token: await signed(c, { sub: c.other.id }) }),
    status: 401,
    code: "invalid_claims",
    details: (c) => ({ server_time, key_id: c.admin.id }),
  },
  {
    name: "iss and sub both name another key",
    build: async (c) => ({ token: await signed(c, { iss: c.other.id, sub: c.other.id }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "aud missing",
    build: async (c) => ({ token: await signed(c, { aud: undefined }) }),
    status: 401,
    code: "audience_mismatch",
    details: () => ({ server_time, expected_audience: PUBLIC_URL }),
  },
  {
    name: "aud as an array holding the right audience",
    build: async (c) => ({ token: await signed(c, { aud: [PUBLIC_URL] }) }),
    status: 401,
    code: "audience_mismatch",
    details: () => ({ server_time, expected_audience: PUBLIC_URL }),
  },
  {
    name: "aud with a trailing slash",
    build: async (c) => ({ token: await signed(c, { aud: `${PUBLIC_URL}/` }) }),
    status: 401,
    code: "audience_mismatch",
    details: () => ({ server_time, expected_audience: PUBLIC_URL }),
  },
  // --- jti --------------------------------------------------------------------------------
  {
    name: "jti as a number",
    build: async (c) => ({ token: await signed(c, { jti: 1234567890123456 }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "jti empty",
    build: async (c) => ({ token: await signed(c, { jti: "" }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "jti of 129 characters",
    build: async (c) => ({ token: await signed(c, { jti: "j".repeat(129) }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "jti of 10 KiB",
    build: async (c) => ({ token: await signed(c, { jti: "j".repeat(10 * 1024) }) }),
    status: 401,
    code: "malformed_token",
  },
  // --- htm ----------------------------------------------------------------------------------
  {
    name: "htm in lower case",
    build: async (c) => ({ token: await signed(c, { htm: "get" }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htm: "GET" }),
  },
  {
    name: "htm GET on a POST that carries X-HTTP-Method-Override: GET",
    build: async (c) => ({
      token: await signRaw(c.admin, header(c), claimsFor(c.admin.id, NOW, "GET", "/v1/keys")),
      method: "POST",
      path: "/v1/keys",
      headers: { "x-http-method-override": "GET" },
      body: keysBody,
    }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htm: "POST" }),
  },
  {
    name: "htm POST on a GET that carries X-HTTP-Method-Override and X-Original-Method: POST",
    build: async (c) => ({
      token: await signed(c, { htm: "POST" }),
      headers: { "x-http-method-override": "POST", "x-original-method": "POST" },
    }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htm: "GET" }),
  },
  // --- htu --------------------------------------------------------------------------------
  {
    name: "htu with another host",
    build: async (c) => ({ token: await signed(c, { htu: "http://evil.test/v1/whoami" }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu with another scheme",
    build: async (c) => ({
      token: await signed(c, { htu: `${PUBLIC_URL.replace("http:", "https:")}/v1/whoami` }),
    }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu with another port",
    build: async (c) => ({ token: await signed(c, { htu: `${PUBLIC_URL}:8080/v1/whoami` }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time }),
  },
  {
    name: "htu with %2F where the path has /",
    build: async (c) => ({ token: await signed(c, { htu: `${PUBLIC_URL}/v1%2Fwhoami` }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu whose dot segments resolve to another path (/v1/whoami/../keys)",
    build: async (c) => ({ token: await signed(c, { htu: `${PUBLIC_URL}/v1/whoami/../keys` }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu with userinfo",
    build: async (c) => ({ token: await signed(c, { htu: "http://admin:pw@signet.test/v1/whoami" }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu for a spoofed Host, sent with that Host",
    build: async (c) => ({
      token: await signed(c, { htu: "http://evil.test/v1/whoami" }),
      url: "http://evil.test/v1/whoami",
    }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu for a spoofed X-Forwarded-Host and X-Forwarded-Proto",
    build: async (c) => ({
      token: await signed(c, { htu: "https://evil.test/v1/whoami" }),
      headers: {
        "x-forwarded-host": "evil.test",
        "x-forwarded-proto": "https",
        forwarded: "host=evil.test;proto=https",
      },
    }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time, expected_htu: `${PUBLIC_URL}/v1/whoami` }),
  },
  {
    name: "htu as an array",
    build: async (c) => ({ token: await signed(c, { htu: [`${PUBLIC_URL}/v1/whoami`] }) }),
    status: 401,
    code: "request_mismatch",
    details: () => ({ server_time }),
  },
  // --- scope and prototype ----------------------------------------------------------------
  {
    name: "a scope claim wider than the key (demo:read key asks for keys:manage)",
    build: async (c) => ({
      token: await signRaw(
        c.narrow,
        header(c, {}, c.narrow),
        claimsFor(c.narrow.id, NOW, "POST", "/v1/keys", { scope: "demo:read keys:manage" }),
      ),
      method: "POST",
      path: "/v1/keys",
      body: keysBody,
    }),
    status: 403,
    code: "insufficient_scope",
    details: () => ({ server_time, missing_scopes: ["keys:manage"], granted_scopes: ["demo:read"] }),
    replayDelta: 1,
  },
  {
    name: "a scope claim that is not a space-separated list of scopes",
    build: async (c) => ({ token: await signed(c, { scope: "keys:manage\u0000demo:read" }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "a scope claim that is an array",
    build: async (c) => ({ token: await signed(c, { scope: ["keys:manage"] }) }),
    status: 401,
    code: "invalid_claims",
    details: () => ({ server_time }),
  },
  {
    name: "__proto__ in the claims carrying aud, htm, htu and jti",
    build: async (c) => {
      const { aud, htm, htu, jti, ...rest } = claims(c);
      const text = JSON.stringify(rest).replace(
        "{",
        `{"__proto__":${JSON.stringify({ aud, htm, htu, jti })},`,
      );
      return { token: await signRaw(c.admin, header(c), text) };
    },
    status: 401,
    code: "audience_mismatch",
    details: () => ({ server_time, expected_audience: PUBLIC_URL }),
  },
  {
    name: "__proto__ in the claims carrying a scope the key lacks",
    build: async (c) => {
      const text = JSON.stringify(claimsFor(c.narrow.id, NOW, "POST", "/v1/keys")).replace(
        "{",
        '{"__proto__":{"scope":"keys:manage"},"constructor":{"prototype":{"scope":"keys:manage"}},',
      );
      return {
        token: await signRaw(c.narrow, header(c, {}, c.narrow), text),
        method: "POST",
        path: "/v1/keys",
        body: keysBody,
      };
    },
    status: 403,
    code: "insufficient_scope",
    details: () => ({ server_time, missing_scopes: ["keys:manage"] }),
    replayDelta: 1,
  },
  // --- Authorization header ---------------------------------------------------------------
  {
    name: "two Authorization headers, both valid-looking",
    build: async (c) => ({ authorization: [`Bearer ${await signed(c)}`, `Bearer ${await signed(c)}`] }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "no Authorization, the token in an access_token query parameter",
    build: async (c) => ({ token: null, path: `/v1/whoami?access_token=${await signed(c)}` }),
    status: 401,
    code: "malformed_token",
  },
  {
    name: "the token in the Basic scheme",
    build: async (c) => ({ authorization: [`Basic ${await signed(c)}`] }),
    status: 401,
    code: "malformed_token",
  },
  // --- key state --------------------------------------------------------------------------
  {
    name: "a revoked key",
    build: async (c) => ({
      token: await signRaw(c.revoked, header(c, {}, c.revoked), claims(c, {}, c.revoked)),
    }),
    status: 401,
    code: "key_revoked",
    details: (c) => ({ server_time, key_id: c.revoked.id }),
  },
  {
    name: "a disabled key",
    build: async (c) => ({
      token: await signRaw(c.disabled, header(c, {}, c.disabled), claims(c, {}, c.disabled)),
    }),
    status: 401,
    code: "key_disabled",
    details: (c) => ({ server_time, key_id: c.disabled.id }),
  },
  {
    name: "an expired key",
    build: async (c) => ({
      token: await signRaw(c.expired, header(c, {}, c.expired), claims(c, {}, c.expired)),
    }),
    status: 401,
    code: "key_expired",
    details: (c) => ({
      server_time,
      key_id: c.expired.id,
      expired_at: new Date(START_MS - 1800_000).toISOString(),
    }),
  },
  {
    name: "the old key after rotation, once its grace period has ended",
    build: async (c) => ({
      token: await signRaw(c.rotatedOld, header(c, {}, c.rotatedOld), claims(c, {}, c.rotatedOld)),
    }),
    status: 401,
    code: "key_expired",
    details: (c) => ({ server_time, key_id: c.rotatedOld.id }),
  },
  // --- replay -----------------------------------------------------------------------------
  {
    name: "the second use of a valid token",
    build: async (c) => {
      const token = await signed(c);
      const first = await c.h.send(token, "GET", "/v1/whoami");
      expect(first.status).toBe(200);
      return { token };
    },
    status: 401,
    code: "replayed_token",
    details: () => ({ server_time }),
  },
];

/** SIGNET_CRYPTO for each signature path the Node entry can run: node:crypto (default), jose, @peculiar. */
const PROVIDERS = ["node:crypto", "jose", "peculiar"] as const;

describe.each(PROVIDERS)("hostile tokens against the Node app (%s)", (provider) => {
  let ctx: Ctx;
  /** Every id that reached the key store's get(): each must match the key id pattern. */
  const queried: string[] = [];

  beforeAll(async () => {
    if (provider !== "node:crypto") vi.stubEnv("SIGNET_CRYPTO", provider);
    const h = await startHarness();
    vi.unstubAllEnvs();
    const get = h.deps.store.keys.get.bind(h.deps.store.keys);
    h.deps.store.keys.get = (id: string) => {
      queried.push(id);
      return get(id);
    };
    // keys whose state needs another time: made an hour before the suite's frozen "now"
    h.clock.set(START_MS - 3600_000);
    const admin = await h.bootstrap();
    const make = (scopes = ["demo:read"], extra = {}) => h.createKey(admin.accountId, { scopes, ...extra });
    const expiring = await make(["demo:read"], { expiresAt: new Date(START_MS - 1800_000) });
    const rotating = await make();
    await h.deps.keys.rotateKey(admin.accountId, rotating.id, { gracePeriodSeconds: 60 }, cliActor);
    h.clock.set(START_MS);
    const revoked = await make();
    await h.deps.keys.revokeKey(admin.accountId, revoked.id, cliActor);
    const disabled = await make();
    await h.deps.keys.updateKey(admin.accountId, disabled.id, { disabled: true }, cliActor);
    ctx = {
      h,
      admin: await rawKeyOf(admin),
      narrow: await rawKeyOf(await make(["demo:read"])),
      other: await rawKeyOf(await make(["demo:read"])),
      stranger: await strangerKey(newKeyId(), admin.accountId),
      revoked: await rawKeyOf(revoked),
      disabled: await rawKeyOf(disabled),
      expired: await rawKeyOf(expiring),
      rotatedOld: await rawKeyOf(rotating),
    };
    // the verifier really runs on the provider this block names
    const resolved = await h.deps.keyCache?.resolve(admin.id);
    // (node:crypto imports a KeyObject, jose a Web Crypto CryptoKey, @peculiar its own class)
    const verifyKey = resolved?.verifyKey;
    const kind =
      verifyKey instanceof KeyObject
        ? "node:crypto"
        : verifyKey instanceof globalThis.CryptoKey
          ? "jose"
          : "peculiar";
    expect(kind).toBe(provider);
  });

  afterAll(async () => {
    await ctx?.h.close();
  });

  it("the harness works: the exact header and claims, raw-signed, are accepted (control)", async () => {
    const before = await recorded(ctx.h);
    const response = await ctx.h.send(await signed(ctx), "GET", "/v1/whoami");
    expect(response.status).toBe(200);
    expect((await response.json()).key_id).toBe(ctx.admin.id);
    expect((await recorded(ctx.h)).replay).toBe(before.replay + 1);
    // and the boundaries just inside the rules pass too
    for (const overrides of [
      { iat: NOW + 60, exp: NOW + 120 },
      { iat: NOW - 359, exp: NOW - 59 },
      { nbf: NOW + 60 },
      { htu: `${PUBLIC_URL}/v1/keys/../whoami` },
    ]) {
      expect((await ctx.h.send(await signed(ctx, overrides), "GET", "/v1/whoami")).status).toBe(200);
    }
  });

  for (const hostile of CASES) {
    it(`${hostile.name} → ${hostile.status} ${hostile.code}`, async () => {
      const request = await hostile.build(ctx);
      const before: Recorded = await recorded(ctx.h);
      const headers = new Headers(request.headers);
      const values = request.authorization ?? (request.token == null ? [] : [`Bearer ${request.token}`]);
      for (const value of values) headers.append("authorization", value);
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      if (body !== undefined) headers.set("content-type", "application/json");
      const response = await ctx.h.app.request(
        request.url ?? `${PUBLIC_URL}${request.path ?? "/v1/whoami"}`,
        {
          method: request.method ?? "GET",
          headers,
          body,
        },
      );
      const problem: Problem = await expectProblem(response, hostile.status, hostile.code, request.token);
      if (PRE_SIGNATURE.has(hostile.code)) {
        // one generic answer: no server_time, no key id, no hint of which check failed
        expect(Object.keys(problem).sort()).toEqual(GENERIC_MEMBERS);
      } else {
        expect(problem).toMatchObject({ server_time: NOW, ...hostile.details?.(ctx) });
      }
      const after = await recorded(ctx.h);
      expect(after).toEqual({ ...before, replay: before.replay + (hostile.replayDelta ?? 0) });
    });
  }

  it("no id that failed the key id pattern ever reached the key store", () => {
    expect(queried.length).toBeGreaterThan(0);
    expect(queried.filter((id) => !KEY_ID_PATTERN.test(id))).toEqual([]);
  });

  it("no prototype was polluted by the hostile claims", () => {
    const probe: Record<string, unknown> = {};
    expect(probe.scope).toBeUndefined();
    expect(probe.aud).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("scope");
  });

  it("the jti of a refused token was not consumed: a valid token reusing it is accepted", async () => {
    const jti = freshJti();
    const refused = await ctx.h.send(
      await signed(ctx, { jti, aud: "http://evil.test" }),
      "GET",
      "/v1/whoami",
    );
    expect(refused.status).toBe(401);
    const accepted = await ctx.h.send(await signed(ctx, { jti }), "GET", "/v1/whoami");
    expect(accepted.status).toBe(200);
  });
});

describe("no oracle before the signature holds", () => {
  let h: Harness;
  let admin: RawKey;
  let stranger: RawKey;
  beforeAll(async () => {
    h = await startHarness();
    admin = await rawKeyOf(await h.bootstrap());
    stranger = await strangerKey(newKeyId(), admin.accountId);
  });
  afterAll(async () => h?.close());

  async function answer(token: string) {
    const response = await h.send(token, "GET", "/v1/whoami");
    const body = (await response.json()) as Problem;
    const { request_id, ...rest } = body;
    expect(typeof request_id).toBe("string");
    return {
      status: response.status,
      headers: [...response.headers].filter(([name]) => name !== "x-request-id"),
      body: rest,
    };
  }

  it("an unknown kid, a bad signature and a malformed-but-parseable token get byte-identical answers", async () => {
    const c = (key: RawKey) => claimsFor(key.id, NOW);
    const unknownKid = await signRaw(stranger, headerFor(stranger.id), c(stranger));
    const badSignature = await signRaw(stranger, headerFor(admin.id), c(admin));
    const parseableButWrong = await signRaw(
      admin,
      headerFor(admin.id, { jku: "http://127.0.0.1:1/" }),
      c(admin),
    );
    const typMissing = await signRaw(admin, { alg: "EdDSA", kid: admin.id }, c(admin));
    const before = await recorded(h);
    const answers = [];
    for (const token of [unknownKid, badSignature, parseableButWrong, typMissing])
      answers.push(await answer(token));
    expect(answers[0]).toMatchObject({ status: 401, body: { code: "invalid_token" } });
    for (const other of answers.slice(1)) expect(JSON.stringify(other)).toBe(JSON.stringify(answers[0]));
    expect(await recorded(h)).toEqual(before);
  });

  it("after the signature holds, errors are precise and carry server_time", async () => {
    const response = await h.send(
      await signRaw(admin, headerFor(admin.id), claimsFor(admin.id, NOW, "GET", "/v1/keys")),
      "GET",
      "/v1/whoami",
    );
    expect(await expectProblem(response, 401, "request_mismatch")).toMatchObject({
      server_time: NOW,
      expected_htu: `${PUBLIC_URL}/v1/whoami`,
    });
  });
});
