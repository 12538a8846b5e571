import { decodeStrict, hasStrictPadding } from "./base64url.js";
import type { Clock } from "./clock.js";
import { type SignetErrorCode, VerifierUnavailableError } from "./errors.js";
import { expectedHtu, normalizeHtu } from "./htu.js";
import { isKeyId } from "./ids.js";
import { ipAllowed } from "./ip.js";
import { effectiveScopes, missingScopes, SCOPE_PATTERN } from "./scopes.js";
import type { SignatureVerifier } from "./signature.js";
import { parseStrictJsonObject } from "./strict-json.js";

/** What the verifier needs to know about a key. Times are epoch milliseconds. */
export interface VerificationKey {
  id: string;
  accountId: string;
  x: string;
  scopes: string[];
  disabled: boolean;
  revokedAt: number | null;
  expiresAt: number | null;
  allowedIps: string[];
  reusable: boolean;
  /** Per-key cap on `exp − iat`, in seconds; never above the server's. */
  maxLifetime: number | null;
}

export interface ResolvedKey {
  key: VerificationKey;
  /** The key imported once by the SignatureVerifier. */
  verifyKey: unknown;
}

/** Step 3. Returns null for an unknown key; throws when the store cannot answer. */
export interface KeyResolver {
  resolve(keyId: string): Promise<ResolvedKey | null>;
  /** A key already held in memory, synchronously; undefined means "ask resolve()". */
  peek?(keyId: string): ResolvedKey | undefined;
}

/** Step 7. Atomically records (kid, jti) until `expiresAt`; false when already seen. */
export interface ReplayStore {
  record(keyId: string, jti: string, expiresAt: number): Promise<boolean>;
}

export interface VerifierOptions {
  keys: KeyResolver;
  replay: ReplayStore;
  signatures: SignatureVerifier;
  clock: Clock;
  /** The exact `aud` expected. */
  audience: string;
  /** `scheme://host[:port]` the public uses to reach this server; `htu` is checked against it. */
  publicOrigin: string;
  /** Seconds. Default 60. */
  clockSkew?: number;
  /** Seconds. Default 300. */
  maxLifetime?: number;
  /** Bound on any single store call before failing closed, in ms. Default 2000. */
  storeTimeoutMs?: number;
  /** Entries in the verified reusable-token cache. Default 10,000. */
  reusableCacheSize?: number;
}

export interface VerifyRequest {
  /** The raw Authorization header value(s); several values fail. */
  authorization: string | readonly string[] | null | undefined;
  method: string;
  /** The request path as received (query is ignored). */
  path: string;
  /** The client address as the server sees it, for allowed_ips. */
  ip?: string | undefined;
  requiredScopes?: readonly string[];
}

export interface Claims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  nbf?: number;
  jti?: string;
  htm?: string;
  htu?: string;
  scope?: string;
}

export interface VerifySuccess {
  valid: true;
  keyId: string;
  accountId: string;
  scopes: string[];
  claims: Claims;
}

export interface VerifyFailure {
  valid: false;
  code: SignetErrorCode;
  status: 401 | 403;
  message: string;
  details: Record<string, unknown>;
}

export type VerifyOutcome = VerifySuccess | VerifyFailure;

export const MAX_TOKEN_LENGTH = 4096;
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/;
const HEADER_MEMBERS = ["alg", "kid", "typ"];
const JTI_MIN = 16;
const JTI_MAX = 128;
/** Valid headers remembered (a client sends the same header segment with every token). */
const HEADER_CACHE_SIZE = 10_000;
/** Expected `htu` values remembered, by request path. */
const HTU_CACHE_SIZE = 1_000;
/** Paths whose `htu` is `publicOrigin + path` as is (nothing for normalisation to change). */
const PLAIN_PATH = /^\/(?:[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*\/?)*$/;
const NOT_YET = Symbol("not yet");
const notYet = Promise.resolve(NOT_YET);

/** The one response for every failure before the signature holds: no oracle. */
const INVALID_TOKEN: VerifyFailure = Object.freeze({
  valid: false,
  code: "invalid_token",
  status: 401,
  message: "the bearer token is not valid",
  details: Object.freeze({}),
}) as VerifyFailure;

const MALFORMED_TOKEN: VerifyFailure = Object.freeze({
  valid: false,
  code: "malformed_token",
  status: 401,
  message: "expected exactly one Authorization: Bearer <JWT> header with a compact EdDSA JWS",
  details: Object.freeze({}),
}) as VerifyFailure;

interface CachedReusable {
  keyId: string;
  claims: Claims;
}

/**
 * Verifies Signet assertions (DESIGN §3) in the documented order: cheap, static checks
 * first, nothing recorded before the signature holds. Expected failures are values; a store
 * that throws or hangs makes `verify` throw VerifierUnavailableError (fail closed).
 */
export function createVerifier(options: VerifierOptions) {
  const clockSkew = options.clockSkew ?? 60;
  const maxLifetime = options.maxLifetime ?? 300;
  const storeTimeoutMs = options.storeTimeoutMs ?? 2000;
  const reusableCacheSize = options.reusableCacheSize ?? 10_000;
  if (!Number.isInteger(clockSkew) || clockSkew < 0 || clockSkew > 300)
    throw new Error("clockSkew must be 0..300 seconds");
  if (!Number.isInteger(maxLifetime) || maxLifetime < 1 || maxLifetime > 3600) {
    throw new Error("maxLifetime must be 1..3600 seconds");
  }
  // "https://api.example.com/" is the same origin; without this every htu would get "//".
  const publicOrigin = options.publicOrigin.replace(/\/+$/, "");
  const origin = normalizeHtu(`${publicOrigin}/`);
  if (!origin) throw new Error("publicOrigin must be an http(s) origin");
  const originPrefix = origin.slice(0, -1);
  if (typeof options.audience !== "string" || options.audience.length === 0)
    throw new Error("audience is required");
  const { keys, replay, signatures, clock, audience } = options;
  const reusableCache = new Map<string, CachedReusable>();
  // Step 2 runs once per distinct header segment: its kid is kept, never re-parsed.
  const headerCache = new Map<string, string>();
  const htuCache = new Map<string, string | null>();

  function expectedHtuFor(path: string): string | null {
    let expected = htuCache.get(path);
    if (expected === undefined) {
      expected = PLAIN_PATH.test(path) ? `${originPrefix}${path}` : expectedHtu(publicOrigin, path);
      if (htuCache.size >= HTU_CACHE_SIZE) htuCache.delete(htuCache.keys().next().value as string);
      htuCache.set(path, expected);
    }
    return expected;
  }

  /** Step 2 for a header segment not seen before: its kid, or null. */
  function parseHeader(segment: string): string | null {
    const headerBytes = decodeStrict(segment);
    const jose = headerBytes && parseStrictJsonObject(headerBytes);
    if (!jose) return null;
    const members = Object.keys(jose).sort();
    if (members.length !== HEADER_MEMBERS.length || members.some((m, i) => m !== HEADER_MEMBERS[i]))
      return null;
    if (jose.alg !== "EdDSA" || jose.typ !== "signet+jwt" || !isKeyId(jose.kid)) return null;
    if (headerCache.size >= HEADER_CACHE_SIZE) headerCache.delete(headerCache.keys().next().value as string);
    headerCache.set(segment, jose.kid);
    return jose.kid;
  }

  const unavailable = (error: unknown): VerifierUnavailableError =>
    error instanceof VerifierUnavailableError ? error : new VerifierUnavailableError(undefined, error);

  async function guarded<T>(work: Promise<T>): Promise<T> {
    try {
      // A store that has already answered (memory replay, cached key) needs no timer.
      const early = await Promise.race([work, notYet]);
      if (early !== NOT_YET) return early as T;
    } catch (error) {
      throw unavailable(error);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VerifierUnavailableError("a store did not answer in time")),
        storeTimeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      throw unavailable(error);
    } finally {
      clearTimeout(timer);
    }
  }

  function fail(
    code: SignetErrorCode,
    message: string,
    details: Record<string, unknown> = {},
  ): VerifyFailure {
    const status = code === "insufficient_scope" ? 403 : 401;
    return {
      valid: false,
      code,
      status,
      message,
      details: { server_time: Math.floor(clock.now() / 1000), ...details },
    };
  }

  function checkKeyStatus(key: VerificationKey, ip: string | undefined): VerifyFailure | null {
    const now = clock.now();
    if (key.revokedAt !== null) return fail("key_revoked", "this key has been revoked", { key_id: key.id });
    if (key.disabled) return fail("key_disabled", "this key is disabled", { key_id: key.id });
    if (key.expiresAt !== null && key.expiresAt <= now) {
      return fail("key_expired", "this key has expired", {
        key_id: key.id,
        expired_at: new Date(key.expiresAt).toISOString(),
      });
    }
    if (!ipAllowed(key.allowedIps, ip)) {
      return fail("ip_not_allowed", "this key may not be used from this address", {
        key_id: key.id,
        ip: ip ?? null,
      });
    }
    return null;
  }

  function checkScopes(
    key: VerificationKey,
    claims: Claims,
    required: readonly string[],
  ): VerifySuccess | VerifyFailure {
    const tokenScopes = claims.scope === undefined ? undefined : claims.scope.split(" ");
    const granted = effectiveScopes(key.scopes, tokenScopes);
    const missing = missingScopes(granted, required);
    if (missing.length > 0) {
      return fail("insufficient_scope", `this request needs ${missing.join(" ")}`, {
        required_scopes: [...required],
        missing_scopes: missing,
        granted_scopes: granted,
      });
    }
    return { valid: true, keyId: key.id, accountId: key.accountId, scopes: granted, claims };
  }

  /** Step 6. Returns typed claims or a precise failure (the caller holds the key). */
  function checkClaims(
    raw: Record<string, unknown>,
    key: VerificationKey,
    request: VerifyRequest,
  ): { claims: Claims } | VerifyFailure {
    const now = clock.now() / 1000;
    const { iss, sub, aud, iat, exp, nbf, jti, htm, htu, scope } = raw;
    if (iss !== key.id || sub !== key.id) {
      return fail("invalid_claims", "iss and sub must both equal the key id", { key_id: key.id });
    }
    if (typeof aud !== "string") {
      return fail("audience_mismatch", "aud must be one string (arrays are not accepted)", {
        expected_audience: audience,
      });
    }
    if (aud !== audience) {
      return fail("audience_mismatch", "aud does not match this server", { expected_audience: audience });
    }
    if (typeof iat !== "number" || !Number.isFinite(iat))
      return fail("invalid_claims", "iat must be a number");
    if (typeof exp !== "number" || !Number.isFinite(exp))
      return fail("invalid_claims", "exp must be a number");
    if (nbf !== undefined && (typeof nbf !== "number" || !Number.isFinite(nbf))) {
      return fail("invalid_claims", "nbf must be a number");
    }
    if (iat > now + clockSkew) {
      return fail("token_not_yet_valid", "iat is in the future (check the client's clock)", {
        iat,
        skew_seconds: Math.round(iat - now),
      });
    }
    if (exp <= now - clockSkew) {
      return fail("token_expired", "the token has expired (sign a fresh one per request)", {
        exp,
        skew_seconds: Math.round(exp - now),
      });
    }
    if (nbf !== undefined && nbf > now + clockSkew) {
      return fail("token_not_yet_valid", "nbf is in the future", {
        nbf,
        skew_seconds: Math.round(nbf - now),
      });
    }
    const lifetime = Math.min(maxLifetime, key.maxLifetime ?? maxLifetime);
    if (exp <= iat || exp - iat > lifetime) {
      return fail("invalid_claims", `exp - iat must be between 1 and ${lifetime} seconds`, {
        max_lifetime: lifetime,
      });
    }
    const needsBinding = !key.reusable;
    if (jti !== undefined || needsBinding) {
      if (typeof jti !== "string" || jti.length < JTI_MIN || jti.length > JTI_MAX) {
        return fail("invalid_claims", `jti must be a string of ${JTI_MIN}-${JTI_MAX} characters`);
      }
    }
    if (htm !== undefined || needsBinding) {
      if (htm !== request.method) {
        return fail("request_mismatch", "htm does not match the request method", {
          expected_htm: request.method,
        });
      }
    }
    if (htu !== undefined || needsBinding) {
      const expected = expectedHtuFor(request.path);
      if (
        typeof htu !== "string" ||
        expected === null ||
        (htu !== expected && normalizeHtu(htu) !== expected)
      ) {
        return fail("request_mismatch", "htu does not match the request URL", { expected_htu: expected });
      }
    }
    if (scope !== undefined) {
      if (typeof scope !== "string" || !scope.split(" ").every((s) => SCOPE_PATTERN.test(s))) {
        return fail("invalid_claims", "scope must be a space-separated list of resource:action scopes");
      }
    }
    return { claims: raw as unknown as Claims };
  }

  function remember(token: string, cached: CachedReusable): void {
    if (reusableCache.size >= reusableCacheSize) {
      const oldest = reusableCache.keys().next().value;
      if (oldest !== undefined) reusableCache.delete(oldest);
    }
    reusableCache.set(token, cached);
  }

  return async function verify(request: VerifyRequest): Promise<VerifyOutcome> {
    // 1. exactly one Bearer header, bounded, three strict base64url segments
    const header = request.authorization;
    if (header === null || header === undefined) return MALFORMED_TOKEN;
    if (typeof header !== "string" && header.length !== 1) return MALFORMED_TOKEN;
    const value = typeof header === "string" ? header : (header[0] as string);
    if (value.length > MAX_TOKEN_LENGTH + 7 || !/^Bearer /i.test(value)) return MALFORMED_TOKEN;
    const token = value.slice(7);
    if (!TOKEN_PATTERN.test(token)) return MALFORMED_TOKEN;
    const required = request.requiredScopes ?? [];

    // Verified reusable tokens skip steps 2, 4 and 6 until they expire; status and scopes still apply.
    const cached = reusableCache.get(token);
    if (cached) {
      if (cached.claims.exp > clock.now() / 1000 - clockSkew) {
        const resolved = keys.peek?.(cached.keyId) ?? (await guarded(keys.resolve(cached.keyId)));
        if (!resolved) return INVALID_TOKEN;
        return checkKeyStatus(resolved.key, request.ip) ?? checkScopes(resolved.key, cached.claims, required);
      }
      reusableCache.delete(token);
    }

    // 2. header: strict UTF-8 JSON object with exactly alg, typ, kid
    const firstDot = token.indexOf(".");
    const secondDot = token.indexOf(".", firstDot + 1);
    const headerSegment = token.slice(0, firstDot);
    const kid = headerCache.get(headerSegment) ?? parseHeader(headerSegment);
    if (kid === null) return INVALID_TOKEN;
    // TOKEN_PATTERN allowed only the alphabet, so with the length and pad bits checked it is strict
    const payloadSegment = token.slice(firstDot + 1, secondDot);
    if (!hasStrictPadding(token.slice(secondDot + 1)) || !hasStrictPadding(payloadSegment))
      return INVALID_TOKEN;

    // 3. key lookup (cache, then store; unknown ids negative-cached by the resolver)
    const resolved = keys.peek?.(kid) ?? (await guarded(keys.resolve(kid)));
    if (!resolved) return INVALID_TOKEN;

    // 4. signature with the stored key
    if (!(await signatures.verify(token, resolved.verifyKey))) return INVALID_TOKEN;
    const { key } = resolved;

    // From here on the caller holds the key: errors are precise.
    // 5. key status
    const statusFailure = checkKeyStatus(key, request.ip);
    if (statusFailure) return statusFailure;

    // 6. claims
    const payload = parseStrictJsonObject(decodeStrict(payloadSegment) as Uint8Array);
    if (!payload) return fail("invalid_claims", "the claims are not a JSON object with unique members");
    const checked = checkClaims(payload, key, request);
    if ("valid" in checked) return checked;
    const { claims } = checked;

    // 7. replay: single use of (kid, jti) until exp + skew
    if (claims.jti !== undefined) {
      const first = await guarded(replay.record(key.id, claims.jti, (claims.exp + clockSkew) * 1000));
      if (!first)
        return fail("replayed_token", "this token was already used; sign a fresh one per request", {
          jti: claims.jti,
        });
    } else if (key.reusable && claims.htm === undefined && claims.htu === undefined) {
      // The cache skips step 6, so only tokens not bound to one request may be cached.
      remember(token, { keyId: key.id, claims });
    }

    // 8. scopes
    return checkScopes(key, claims, required);
  };
}

export type Verifier = ReturnType<typeof createVerifier>;
