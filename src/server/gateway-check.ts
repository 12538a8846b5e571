import type { Context } from "hono";
import type { AppEnv } from "./env.js";
import { problem } from "./problem.js";

/**
 * The shared answer of the gateway sub-request routes (forward-auth, ext-authz): verify the
 * client's Authorization for the original method and path, then either the problem response
 * or `success` with the caller's identity in X-Signet-* headers.
 */
export async function answerGatewayCheck(
  c: Context<AppEnv>,
  original: { method: string; path: string },
  success: 200 | 204,
): Promise<Response> {
  const deps = c.get("deps");
  const outcome = await deps.verifier({
    authorization: c.req.raw.headers.get("authorization"),
    method: original.method,
    path: original.path,
    ip: deps.clientIp(c.req.raw, c.env),
    requiredScopes: [],
  });
  if (!outcome.valid) {
    return problem(c, {
      status: outcome.status,
      code: outcome.code,
      detail: outcome.message,
      extra: outcome.details,
    });
  }
  deps.lastUsed?.record(outcome.keyId);
  c.header("x-signet-key-id", outcome.keyId);
  c.header("x-signet-account-id", outcome.accountId);
  c.header("x-signet-scopes", outcome.scopes.join(" "));
  return c.body(null, success);
}
