import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";
import { signet } from "./signet.js";

export const MANAGE_SCOPE = "keys:manage";

/**
 * Management calls: an assertion from a key holding keys:manage, acting within that key's
 * account. (The console adds its session as a second way in.)
 */
export function managementAuth(): MiddlewareHandler<AppEnv> {
  const requireManageScope = signet({ scopes: [MANAGE_SCOPE] });
  return async function authenticateManagement(c, next) {
    return requireManageScope(c, async () => {
      const caller = c.get("signet");
      const ip = c.get("deps").clientIp(c.req.raw, c.env) ?? null;
      c.set("principal", { accountId: caller.accountId, actor: { id: `key:${caller.keyId}`, ip } });
      await next();
    });
  };
}
