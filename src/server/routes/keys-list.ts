import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, KeySchema, keyView, managementErrors, PageQuery } from "../schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "List keys, newest first",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { query: PageQuery },
  responses: {
    200: {
      description: "A page of keys",
      content: {
        "application/json": {
          schema: z
            .object({ data: z.array(KeySchema), next_cursor: z.string().nullable() })
            .openapi("KeyPage"),
        },
      },
    },
    ...managementErrors,
  },
});

export function registerListKeys(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const deps = c.get("deps");
    const page = await deps.keys.listKeys(c.get("principal").accountId, { limit, cursor });
    const now = deps.clock.now();
    return c.json({ data: page.items.map((key) => keyView(key, now)), next_cursor: page.nextCursor }, 200);
  });
}
