import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { signet } from "../middleware/signet.js";
import { authErrors, bearerSecurity } from "../schemas.js";

export const WhoamiSchema = z
  .object({ key_id: z.string(), account_id: z.string(), scopes: z.array(z.string()) })
  .openapi("Whoami");

const route = createRoute({
  method: "get",
  path: "/v1/whoami",
  tags: ["auth"],
  summary: "Who a valid assertion belongs to",
  security: bearerSecurity,
  middleware: [signet()] as const,
  responses: {
    200: { description: "The caller", content: { "application/json": { schema: WhoamiSchema } } },
    ...authErrors,
  },
});

export function registerWhoami(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const caller = c.get("signet");
    return c.json({ key_id: caller.keyId, account_id: caller.accountId, scopes: caller.scopes }, 200);
  });
}
