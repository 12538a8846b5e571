import type { MiddlewareHandler } from "hono";
import { VerifierUnavailableError } from "../../core/errors.js";
import { assertScope } from "../../core/scopes.js";
import type { Verifier } from "../../core/verifier.js";
import type { AppEnv } from "../env.js";
import { problem } from "../problem.js";

/** `scheme://host[:port]` with nothing a URL parser would treat specially. */
const PLAIN_ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/;
/** A path `new URL()` would leave exactly as it is: nothing to decode, no dot segments, no backslash. */
const PLAIN_PATH = /^\/[A-Za-z0-9_~\-/.]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** `new URL(url).pathname`, without parsing the URL when it is plain (the hot path). */
export function pathnameOf(url: string): string {
  const scheme = url.indexOf("://");
  const start = scheme === -1 ? -1 : url.indexOf("/", scheme + 3);
  if (start !== -1 && PLAIN_ORIGIN.test(url.slice(0, start))) {
    let end = start;
    while (end < url.length && url.charCodeAt(end) !== 63 && url.charCodeAt(end) !== 35) end++;
    const path = url.slice(start, end);
    if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) return path;
  }
  return new URL(url).pathname;
}

export interface SignetOptions {
  /** Scopes every caller of the route must hold. */
  scopes?: string[];
  /** Defaults to the app's verifier (set by createApp). */
  verifier?: Verifier;
}

/**
 * Protects a route with Signet assertions: `app.get('/orders', signet({ scopes:
 * ['orders:read'] }), handler)`. The caller is then `c.get('signet')`.
 */
export function signet(options: SignetOptions = {}): MiddlewareHandler<AppEnv> {
  const scopes = [...(options.scopes ?? [])];
  for (const scope of scopes) assertScope(scope); // fail at construction, not per request
  return async function signetAuth(c, next) {
    const deps = c.get("deps");
    const verify = options.verifier ?? deps?.verifier;
    if (!verify) throw new Error("signet(): no verifier; mount it inside createApp or pass options.verifier");
    let outcome: Awaited<ReturnType<Verifier>>;
    try {
      outcome = await verify({
        authorization: c.req.raw.headers.get("authorization"),
        method: c.req.method,
        path: pathnameOf(c.req.url),
        ip: deps?.clientIp(c.req.raw, c.env),
        requiredScopes: scopes,
      });
    } catch (error) {
      if (error instanceof VerifierUnavailableError) {
        deps?.logger.error("verifier unavailable", {
          cause: String((error as { cause?: unknown }).cause ?? error.message),
        });
        return problem(c, { status: 503, code: "verifier_unavailable", detail: error.message });
      }
      throw error;
    }
    if (!outcome.valid) {
      return problem(c, {
        status: outcome.status,
        code: outcome.code,
        detail: outcome.message,
        extra: outcome.details,
      });
    }
    deps?.lastUsed?.record(outcome.keyId);
    c.set("signet", {
      keyId: outcome.keyId,
      accountId: outcome.accountId,
      scopes: outcome.scopes,
      claims: outcome.claims,
    });
    await next();
  };
}
