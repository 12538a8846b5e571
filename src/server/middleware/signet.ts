import type { MiddlewareHandler } from "hono";
import { VerifierUnavailableError } from "../../core/errors.js";
import { assertScope } from "../../core/scopes.js";
import type { Verifier } from "../../core/verifier.js";
import type { AppEnv } from "../env.js";
import { problem } from "../problem.js";

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
        path: new URL(c.req.url).pathname,
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
