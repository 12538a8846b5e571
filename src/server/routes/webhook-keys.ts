import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementErrors } from "../schemas.js";
import { WebhookJwksSchema, webhooksOf } from "../webhook-schemas.js";

const route = createRoute({
  method: "get",
  path: "/.well-known/signet-webhook-keys",
  tags: ["webhooks"],
  summary: "The public keys webhook signatures verify with (JWK Set)",
  description: "Receivers fetch this to check Signet-Signature; no shared secret is involved.",
  responses: {
    200: {
      description: "The JWK Set",
      content: { "application/json": { schema: WebhookJwksSchema } },
    },
    404: { description: "Webhooks are not enabled on this server", content: managementErrors[400].content },
    503: managementErrors[503],
  },
});

export function registerWebhookKeys(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const jwks = await webhooksOf(c.get("deps")).jwks();
    c.header("cache-control", "public, max-age=300");
    return c.json(jwks, 200);
  });
}
