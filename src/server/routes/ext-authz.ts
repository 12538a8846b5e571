import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { answerGatewayCheck } from "../gateway-check.js";
import { authErrors } from "../schemas.js";

const PREFIX = "/v1/ext-authz";
const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

/**
 * For Envoy's HTTP `ext_authz` with `path_prefix: /v1/ext-authz`: Envoy sends the check with
 * the original method and the original path after the prefix, so nothing else is needed.
 * 200 with the caller's identity in headers (Envoy allows only on 200), or 401/403.
 */
export function registerExtAuthz(app: OpenAPIHono<AppEnv>): void {
  for (const method of METHODS) {
    app.openAPIRegistry.registerPath({
      method,
      path: `${PREFIX}/{path}`,
      tags: ["auth"],
      summary: `Envoy ext_authz check for a ${method.toUpperCase()} request to /{path}`,
      description:
        "The method is the original request's; `path` is its path (slashes included) and query. " +
        "The client's Authorization header is verified as for that request.",
      request: {
        params: z.object({
          path: z.string().openapi({ param: { name: "path", in: "path" }, example: "orders/42" }),
        }),
      },
      responses: {
        200: {
          description: "Valid; identity in X-Signet-Key-Id, X-Signet-Account-Id, X-Signet-Scopes",
          headers: {
            "X-Signet-Key-Id": { schema: { type: "string" } },
            "X-Signet-Account-Id": { schema: { type: "string" } },
            "X-Signet-Scopes": { schema: { type: "string" } },
          },
        },
        ...authErrors,
      },
    });
  }

  app.on(
    METHODS.map((m) => m.toUpperCase()),
    `${PREFIX}/:path{.*}`,
    async (c) => {
      // the raw (still percent-encoded) path, as the client sent it to Envoy
      const path = new URL(c.req.url).pathname.slice(PREFIX.length);
      return answerGatewayCheck(c, { method: c.req.method, path }, 200);
    },
  );
}
