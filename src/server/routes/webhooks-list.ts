import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, managementErrors, PageQuery } from "../schemas.js";
import { WebhookSchema, webhooksOf, webhookView } from "../webhook-schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/webhooks",
  tags: ["webhooks"],
  summary: "List this account's webhooks, newest first",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { query: PageQuery },
  responses: {
    200: {
      description: "A page of webhooks",
      content: {
        "application/json": {
          schema: z
            .object({ data: z.array(WebhookSchema), next_cursor: z.string().nullable() })
            .openapi("WebhookPage"),
        },
      },
    },
    ...managementErrors,
    404: { description: "Webhooks are not enabled on this server", content: managementErrors[400].content },
  },
});

export function registerListWebhooks(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await webhooksOf(c.get("deps")).listWebhooks(c.get("principal").accountId, {
      limit,
      cursor,
    });
    return c.json({ data: page.items.map(webhookView), next_cursor: page.nextCursor }, 200);
  });
}
