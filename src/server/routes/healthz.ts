import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";

const HealthSchema = z
  .object({ status: z.enum(["ok", "unavailable"]), checks: z.record(z.string(), z.string()) })
  .openapi("Health");

const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["ops"],
  summary: "Readiness: the database (and Redis, when configured) answer",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: HealthSchema } } },
    503: { description: "Not ready", content: { "application/json": { schema: HealthSchema } } },
  },
});

export function registerHealthz(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const deps = c.get("deps");
    const checks: Record<string, string> = {};
    const all = [{ name: "database", check: () => deps.store.ping() }, ...(deps.health ?? [])];
    await Promise.all(
      all.map(async ({ name, check }) => {
        try {
          await check();
          checks[name] = "ok";
        } catch {
          checks[name] = "unavailable";
        }
      }),
    );
    const ok = Object.values(checks).every((v) => v === "ok");
    c.header("cache-control", "no-store");
    return ok
      ? c.json({ status: "ok" as const, checks }, 200)
      : c.json({ status: "unavailable" as const, checks }, 503);
  });
}
