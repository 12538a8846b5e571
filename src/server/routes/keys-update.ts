import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import {
  bearerSecurity,
  conflict,
  KeyIdParam,
  KeySchema,
  keyView,
  managementErrors,
  notFound,
} from "../schemas.js";

export const UpdateKeyBody = z
  .strictObject({
    name: z.string().min(1).max(100).optional(),
    scopes: z.array(z.string()).min(1).max(100).optional(),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
    allowed_ips: z.array(z.string()).max(100).optional(),
    disabled: z.boolean().optional(),
  })
  .openapi("UpdateKey");

const route = createRoute({
  method: "patch",
  path: "/v1/keys/{id}",
  tags: ["keys"],
  summary: "Change a key's name, scopes, expiry, allowed IPs or disabled flag",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: {
    params: KeyIdParam,
    body: { required: true, content: { "application/json": { schema: UpdateKeyBody } } },
  },
  responses: {
    200: { description: "The updated key", content: { "application/json": { schema: KeySchema } } },
    ...managementErrors,
    ...notFound,
    ...conflict,
  },
});

export function registerUpdateKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { accountId, actor } = c.get("principal");
    const deps = c.get("deps");
    const key = await deps.keys.updateKey(
      accountId,
      c.req.valid("param").id,
      {
        name: body.name,
        scopes: body.scopes,
        allowedIps: body.allowed_ips,
        disabled: body.disabled,
        expiresAt:
          body.expires_at === undefined
            ? undefined
            : body.expires_at === null
              ? null
              : new Date(body.expires_at),
      },
      actor,
    );
    return c.json(keyView(key, deps.clock.now()), 200);
  });
}
