import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import {
  bearerSecurity,
  CredentialsSchema,
  conflict,
  KeySchema,
  keyView,
  managementErrors,
} from "../schemas.js";

export const CreateKeyBody = z
  .strictObject({
    name: z.string().min(1).max(100),
    scopes: z.array(z.string()).min(1).max(100),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
    allowed_ips: z.array(z.string()).max(100).optional(),
    reusable: z.boolean().optional(),
    max_lifetime: z.number().int().min(1).max(300).optional(),
    public_key: z
      .union([z.string().max(4096), z.record(z.string(), z.unknown())])
      .optional()
      .openapi({
        description: "Bring your own public key (JWK or SPKI PEM); omit to have the server generate the pair",
      }),
  })
  .openapi("CreateKey");

const route = createRoute({
  method: "post",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "Create a key",
  description: "Returns the private key exactly once, in `credentials`, when the server generated the pair.",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { body: { required: true, content: { "application/json": { schema: CreateKeyBody } } } },
  responses: {
    201: {
      description: "Created",
      content: {
        "application/json": {
          schema: z
            // a union, not .nullable(): that would make the shared Credentials component nullable
            .object({ key: KeySchema, credentials: z.union([CredentialsSchema, z.null()]) })
            .openapi("CreatedKey"),
        },
      },
    },
    ...managementErrors,
    ...conflict,
  },
});

export function registerCreateKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { accountId, actor } = c.get("principal");
    const deps = c.get("deps");
    const created = await deps.keys.createKey(
      accountId,
      {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expires_at ? new Date(body.expires_at) : null,
        allowedIps: body.allowed_ips,
        reusable: body.reusable,
        maxLifetime: body.max_lifetime,
        publicKey: body.public_key,
      },
      actor,
    );
    c.header("cache-control", "no-store");
    return c.json({ key: keyView(created.key, deps.clock.now()), credentials: created.credentials }, 201);
  });
}
