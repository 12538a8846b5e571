import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { signet } from "../middleware/signet.js";
import { authErrors, bearerSecurity } from "../schemas.js";

export const VERIFY_SCOPE = "signet:verify";

export const VerifyBody = z
  .strictObject({
    token: z.string().max(8192),
    method: z.string().regex(/^[A-Z]{1,16}$/, "an upper-case HTTP method"),
    url: z
      .string()
      .max(8192)
      .openapi({ description: "The URL the client called (its path is what htu must match)" }),
    scopes: z.array(z.string()).max(100).optional(),
    client_ip: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "The client's address, for keys with allowed_ips" }),
  })
  .openapi("VerifyRequest");

export const VerifyResult = z
  .union([
    z.object({
      valid: z.literal(true),
      key_id: z.string(),
      account_id: z.string(),
      scopes: z.array(z.string()),
    }),
    z.object({ valid: z.literal(false), code: z.string(), detail: z.string() }).catchall(z.unknown()),
  ])
  .openapi("VerifyResult");

const route = createRoute({
  method: "post",
  path: "/v1/verify",
  tags: ["auth"],
  summary: "For gateways: verify a client's assertion (the caller's own key needs signet:verify)",
  security: bearerSecurity,
  middleware: [signet({ scopes: [VERIFY_SCOPE] })] as const,
  request: { body: { required: true, content: { "application/json": { schema: VerifyBody } } } },
  responses: {
    200: { description: "The verdict", content: { "application/json": { schema: VerifyResult } } },
    ...authErrors,
  },
});

export function registerVerify(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    let path: string;
    try {
      path = new URL(body.url).pathname;
    } catch {
      return c.json(
        { valid: false as const, code: "invalid_request", detail: "url is not an absolute URL" },
        200,
      );
    }
    // A store failure throws VerifierUnavailableError: the app's error handler answers 503.
    const outcome = await c.get("deps").verifier({
      authorization: `Bearer ${body.token}`,
      method: body.method,
      path,
      ip: body.client_ip,
      requiredScopes: body.scopes ?? [],
    });
    if (!outcome.valid) {
      return c.json(
        { valid: false as const, code: outcome.code, detail: outcome.message, ...outcome.details },
        200,
      );
    }
    c.get("deps").lastUsed?.record(outcome.keyId);
    return c.json(
      { valid: true as const, key_id: outcome.keyId, account_id: outcome.accountId, scopes: outcome.scopes },
      200,
    );
  });
}
