import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, KeyIdParam, KeySchema, keyView, managementErrors, notFound } from "../schemas.js";

const route = createRoute({
  method: "post",
  path: "/v1/keys/{id}/revoke",
  tags: ["keys"],
  summary: "Revoke a key: immediate and final",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { params: KeyIdParam },
  responses: {
    200: { description: "The revoked key", content: { "application/json": { schema: KeySchema } } },
    ...managementErrors,
    ...notFound,
  },
});

export function registerRevokeKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { accountId, actor } = c.get("principal");
    const deps = c.get("deps");
    const key = await deps.keys.revokeKey(accountId, c.req.valid("param").id, actor);
    return c.json(keyView(key, deps.clock.now()), 200);
  });
}
