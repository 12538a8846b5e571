/** Every response carries X-Request-Id (the client's own when usable) and, unless silent, one log line. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppDeps, AppEnv, Logger } from "../../src/server/env.js";
import { requestContext } from "../../src/server/middleware/request-context.js";

function appWith(logger: Logger) {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext({ logger } as AppDeps));
  app.get("/thing", (c) => c.json({ id: c.get("requestId"), hasDeps: c.get("deps").logger === logger }));
  return app;
}

function recordingLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, info: (_m, fields = {}) => lines.push(fields), warn() {}, error() {} };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request context", () => {
  it("makes a fresh id per request when the client sends none, in the header, the context and the log", async () => {
    const logger = recordingLogger();
    const app = appWith(logger);
    const first = await app.request("/thing?x=1");
    const second = await app.request("/thing");
    const id = first.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect(second.headers.get("x-request-id")).toMatch(UUID);
    expect(second.headers.get("x-request-id")).not.toBe(id);
    expect(await first.json()).toEqual({ id, hasDeps: true });
    expect(logger.lines[0]).toMatchObject({ request_id: id, method: "GET", path: "/thing", status: 200 });
    expect(logger.lines).toHaveLength(2);
  });

  it("echoes a usable client id and replaces one that is too long or has other characters", async () => {
    const app = appWith(recordingLogger());
    const echo = await app.request("/thing", { headers: { "X-Request-Id": "client-abc_123=" } });
    expect(echo.headers.get("x-request-id")).toBe("client-abc_123=");
    for (const bad of ["has space", "semi;colon", "a".repeat(256), ""]) {
      const response = await app.request("/thing", { headers: { "X-Request-Id": bad } });
      expect(response.headers.get("x-request-id"), JSON.stringify(bad)).toMatch(UUID);
    }
    const longest = "b".repeat(255);
    const kept = await app.request("/thing", { headers: { "X-Request-Id": longest } });
    expect(kept.headers.get("x-request-id")).toBe(longest);
  });

  it("writes no log line and still sets the id when the logger is silent", async () => {
    const logger = { ...recordingLogger(), silent: true };
    const response = await appWith(logger).request("/thing");
    expect(response.headers.get("x-request-id")).toMatch(UUID);
    expect(logger.lines).toEqual([]);
  });
});
