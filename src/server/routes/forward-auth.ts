import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { answerGatewayCheck } from "../gateway-check.js";
import { problem } from "../problem.js";
import { authErrors } from "../schemas.js";

/**
 * For nginx `auth_request`, Traefik `forwardAuth` and Envoy `ext_authz`: the gateway
 * forwards the client's Authorization header with X-Original-Method and X-Original-URI;
 * 204 with the caller's identity in headers, or 401/403 (problem+json).
 */
const route = createRoute({
  method: "get",
  path: "/v1/forward-auth",
  tags: ["auth"],
  summary: "Gateway sub-request: verify the client's assertion for X-Original-Method / X-Original-URI",
  responses: {
    204: {
      description: "Valid; identity in X-Signet-Key-Id, X-Signet-Account-Id, X-Signet-Scopes",
      headers: {
        "X-Signet-Key-Id": { schema: { type: "string" } },
        "X-Signet-Account-Id": { schema: { type: "string" } },
        "X-Signet-Scopes": { schema: { type: "string" } },
      },
    },
    400: authErrors[401],
    ...authErrors,
  },
});

export function registerForwardAuth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const method = c.req.header("x-original-method") ?? c.req.header("x-forwarded-method");
    const uri = c.req.header("x-original-uri") ?? c.req.header("x-forwarded-uri");
    if (!method || !uri || !/^[A-Z]{1,16}$/.test(method) || !uri.startsWith("/")) {
      // fail closed: without the original request there is nothing to bind the token to
      return problem(c, {
        status: 401,
        code: "malformed_token",
        detail: "the gateway must send X-Original-Method and X-Original-URI",
      });
    }
    const path = new URL(uri, "http://placeholder").pathname;
    return answerGatewayCheck(c, { method, path }, 204);
  });
}
