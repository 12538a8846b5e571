import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, KeyIdParam, KeySchema, keyView, managementErrors, notFound } from "../schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/keys/{id}",
  tags: ["keys"],
  summary: "One key's metadata (never private material)",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { params: KeyIdParam },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: KeySchema } } },
    ...managementErrors,
    ...notFound,
  },
});

export function registerGetKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const deps = c.get("deps");
    const key = await deps.keys.getKey(c.get("principal").accountId, c.req.valid("param").id);
    return c.json(keyView(key, deps.clock.now()), 200);
  });
}
