import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, managementErrors } from "../schemas.js";
import { WebhookIdParam, WebhookSchema, webhooksOf, webhookView } from "../webhook-schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}",
  tags: ["webhooks"],
  summary: "One webhook",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { params: WebhookIdParam },
  responses: {
    200: { description: "The webhook", content: { "application/json": { schema: WebhookSchema } } },
    ...managementErrors,
    404: { description: "No such webhook in this account", content: managementErrors[400].content },
  },
});

export function registerGetWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const hook = await webhooksOf(c.get("deps")).getWebhook(
      c.get("principal").accountId,
      c.req.valid("param").id,
    );
    return c.json(webhookView(hook), 200);
  });
}
