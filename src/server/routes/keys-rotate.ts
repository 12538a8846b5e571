import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import {
  bearerSecurity,
  CredentialsSchema,
  conflict,
  KeyIdParam,
  KeySchema,
  keyView,
  managementErrors,
  notFound,
} from "../schemas.js";
import { DEFAULT_ROTATION_GRACE_SECONDS, MAX_ROTATION_GRACE_SECONDS } from "../services/key-service.js";

export const RotateKeyBody = z
  .strictObject({
    grace_period_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_ROTATION_GRACE_SECONDS)
      .optional()
      .openapi({
        description: `How long the old key keeps working (default ${DEFAULT_ROTATION_GRACE_SECONDS})`,
      }),
  })
  .openapi("RotateKey");

const route = createRoute({
  method: "post",
  path: "/v1/keys/{id}/rotate",
  tags: ["keys"],
  summary: "Replace a key with a new one of the same settings",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: {
    params: KeyIdParam,
    body: { required: false, content: { "application/json": { schema: RotateKeyBody } } },
  },
  responses: {
    201: {
      description: "The new key, its credentials (once) and the old key with its new expiry",
      content: {
        "application/json": {
          schema: z
            .object({ key: KeySchema, credentials: CredentialsSchema, previous: KeySchema })
            .openapi("RotatedKey"),
        },
      },
    },
    ...managementErrors,
    ...notFound,
    ...conflict,
  },
});

export function registerRotateKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json") ?? {};
    const { accountId, actor } = c.get("principal");
    const deps = c.get("deps");
    const result = await deps.keys.rotateKey(
      accountId,
      c.req.valid("param").id,
      { gracePeriodSeconds: body.grace_period_seconds },
      actor,
    );
    const now = deps.clock.now();
    c.header("cache-control", "no-store");
    return c.json(
      {
        key: keyView(result.key, now),
        credentials: result.credentials,
        previous: keyView(result.previous, now),
      },
      201,
    );
  });
}
