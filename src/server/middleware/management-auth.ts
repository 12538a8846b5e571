import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";
import { problem } from "../problem.js";
import { signet } from "./signet.js";

export const MANAGE_SCOPE = "keys:manage";

/**
 * Management calls: an assertion from a key holding keys:manage, acting within that key's
 * account; or, with no Authorization header, a console session (its cookie, plus the
 * session's X-CSRF-Token header on every state change), acting as that user.
 */
export function managementAuth(): MiddlewareHandler<AppEnv> {
  const requireManageScope = signet({ scopes: [MANAGE_SCOPE] });
  return async function authenticateManagement(c, next) {
    const consoleAuth = c.get("deps").console;
    if (consoleAuth && !c.req.raw.headers.has("authorization")) {
      const principal = await consoleAuth.authenticate(c);
      if (principal === "csrf") {
        return problem(c, {
          status: 403,
          code: "csrf_failed",
          detail: "a change made with a console session needs the session's X-CSRF-Token header",
        });
      }
      if (principal) {
        c.set("principal", principal);
        await next();
        return;
      }
    }
    return requireManageScope(c, async () => {
      const caller = c.get("signet");
      const ip = c.get("deps").clientIp(c.req.raw, c.env) ?? null;
      c.set("principal", { accountId: caller.accountId, actor: { id: `key:${caller.keyId}`, ip } });
      await next();
    });
  };
}
