import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, managementErrors, PageQuery } from "../schemas.js";
import { deliveryView, WebhookDeliverySchema, WebhookIdParam, webhooksOf } from "../webhook-schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}/deliveries",
  tags: ["webhooks"],
  summary: "A webhook's deliveries, newest first: status, attempts, next retry, last error",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { params: WebhookIdParam, query: PageQuery },
  responses: {
    200: {
      description: "A page of deliveries",
      content: {
        "application/json": {
          schema: z
            .object({ data: z.array(WebhookDeliverySchema), next_cursor: z.string().nullable() })
            .openapi("WebhookDeliveryPage"),
        },
      },
    },
    ...managementErrors,
    404: { description: "No such webhook in this account", content: managementErrors[400].content },
  },
});

export function registerListWebhookDeliveries(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await webhooksOf(c.get("deps")).listDeliveries(
      c.get("principal").accountId,
      c.req.valid("param").id,
      { limit, cursor },
    );
    return c.json({ data: page.items.map(deliveryView), next_cursor: page.nextCursor }, 200);
  });
}
