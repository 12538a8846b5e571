import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { managementAuth } from "../middleware/management-auth.js";
import { AuditEventSchema, auditView, bearerSecurity, managementErrors, PageQuery } from "../schemas.js";

const route = createRoute({
  method: "get",
  path: "/v1/audit-events",
  tags: ["audit"],
  summary: "Who did what to which key, when, from where (newest first)",
  security: bearerSecurity,
  middleware: [managementAuth()] as const,
  request: { query: PageQuery.extend({ key_id: z.string().max(40).optional() }) },
  responses: {
    200: {
      description: "A page of audit events",
      content: {
        "application/json": {
          schema: z
            .object({ data: z.array(AuditEventSchema), next_cursor: z.string().nullable() })
            .openapi("AuditPage"),
        },
      },
    },
    ...managementErrors,
  },
});

export function registerListAudit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { limit, cursor, key_id } = c.req.valid("query");
    const page = await c
      .get("deps")
      .keys.listAudit(c.get("principal").accountId, { limit, cursor, keyId: key_id });
    return c.json({ data: page.items.map(auditView), next_cursor: page.nextCursor }, 200);
  });
}
