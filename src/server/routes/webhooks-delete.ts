import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, managementErrors } from "../schemas.js";
import { WebhookIdParam, webhooksOf } from "../webhook-schemas.js";

const route = createRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  tags: ["webhooks"],
  summary: "Delete a webhook and its delivery history; nothing more is sent to it",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { params: WebhookIdParam },
  responses: {
    204: { description: "Deleted" },
    ...managementErrors,
    404: { description: "No such webhook in this account", content: managementErrors[400].content },
  },
});

export function registerDeleteWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { accountId, actor } = c.get("principal");
    await webhooksOf(c.get("deps")).deleteWebhook(accountId, c.req.valid("param").id, actor);
    return c.body(null, 204);
  });
}
