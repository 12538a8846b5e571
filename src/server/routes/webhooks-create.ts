import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { bearerSecurity, conflict, managementErrors } from "../schemas.js";
import { WebhookEventType, WebhookSchema, webhooksOf, webhookView } from "../webhook-schemas.js";

export const CreateWebhookBody = z
  .strictObject({
    url: z.string().min(1).max(2048).openapi({
      description: "http(s) URL on a public address (private and loopback targets are refused)",
      example: "https://hooks.example.com/signet",
    }),
    events: z
      .array(WebhookEventType)
      .max(20)
      .optional()
      .openapi({ description: "Only these event types (default: all)" }),
  })
  .openapi("CreateWebhook");

const route = createRoute({
  method: "post",
  path: "/v1/webhooks",
  tags: ["webhooks"],
  summary: "Register a webhook URL for this account's key events",
  description:
    "Signet POSTs key.created, key.rotated, key.revoked, key.expiring and key.unused events, each signed " +
    "(Signet-Signature: an EdDSA JWS verified with /.well-known/signet-webhook-keys).",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { body: { required: true, content: { "application/json": { schema: CreateWebhookBody } } } },
  responses: {
    201: { description: "Registered", content: { "application/json": { schema: WebhookSchema } } },
    ...managementErrors,
    404: {
      description: "Webhooks are not enabled on this server",
      content: managementErrors[400].content,
    },
    ...conflict,
  },
});

export function registerCreateWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { accountId, actor } = c.get("principal");
    const created = await webhooksOf(c.get("deps")).createWebhook(
      accountId,
      { url: body.url, events: body.events },
      actor,
    );
    return c.json(webhookView(created), 201);
  });
}
