import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { signet } from "../middleware/signet.js";
import { authErrors, bearerSecurity } from "../schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/demo/echo",
  tags: ["demo"],
  summary: "An example of a provider's own route protected by signet({ scopes: ['demo:read'] })",
  security: bearerSecurity,
  middleware: [signet({ scopes: ["demo:read"] })] as const,
  request: { query: z.object({ message: z.string().max(1000).optional() }) },
  responses: {
    200: {
      description: "The message back, with the caller",
      content: {
        "application/json": {
          schema: z
            .object({ message: z.string(), key_id: z.string(), account_id: z.string() })
            .openapi("Echo"),
        },
      },
    },
    ...authErrors,
  },
});

export function registerDemoEcho(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const caller = c.get("signet");
    return c.json(
      {
        message: c.req.valid("query").message ?? "hello",
        key_id: caller.keyId,
        account_id: caller.accountId,
      },
      200,
    );
  });
}
