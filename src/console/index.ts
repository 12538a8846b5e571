/**
 * The customer console: sign-in (passkeys first, passwords as the fallback), API keys,
 * the team and the audit log, server-rendered over the same services as the API.
 * Portable: no Node APIs, so Node and Workers both run it (each brings its password hasher).
 */
import type { Context } from "hono";
import type { AppEnv, ConsoleExtension, Principal } from "../server/env.js";
import { buildConsoleApp } from "./app.js";
import { type ConsoleSettings, clientIp, DEFAULT_SETTINGS, runtimeCache } from "./context.js";
import type { PasswordHasher } from "./password.js";
import { loadSession } from "./sessions.js";
import { safeEqual } from "./tokens.js";

export type { ConsoleSettings } from "./context.js";
export { createPortablePasswordHasher, type PasswordHasher } from "./password.js";
export { createUserService, type UserService } from "./users.js";

export interface ConsoleOptions {
  /** Argon2id: the native binding on Node, @noble/hashes on Workers. */
  hasher: PasswordHasher;
  settings?: Partial<ConsoleSettings>;
}

const MAX_CHALLENGE_TTL_MS = 5 * 60 * 1000;

export function createConsole(options: ConsoleOptions): ConsoleExtension {
  if (
    !options?.hasher ||
    typeof options.hasher.hash !== "function" ||
    typeof options.hasher.verify !== "function"
  ) {
    throw new TypeError("createConsole: options.hasher must be a PasswordHasher");
  }
  const settings: ConsoleSettings = {
    ...DEFAULT_SETTINGS,
    ...options.settings,
    signInLimits: { ...DEFAULT_SETTINGS.signInLimits, ...options.settings?.signInLimits },
  };
  for (const name of ["idleTimeoutMs", "absoluteTimeoutMs", "challengeTtlMs", "linkTtlMs"] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] <= 0) {
      throw new TypeError(`createConsole: settings.${name} must be a positive integer`);
    }
  }
  if (settings.challengeTtlMs > MAX_CHALLENGE_TTL_MS) {
    throw new TypeError("createConsole: settings.challengeTtlMs must be at most 5 minutes");
  }
  if (settings.idleTimeoutMs > settings.absoluteTimeoutMs) {
    throw new TypeError("createConsole: settings.idleTimeoutMs must not exceed absoluteTimeoutMs");
  }
  const runtimeFor = runtimeCache(settings, options.hasher);
  const consoleApp = buildConsoleApp(settings, runtimeFor);

  return {
    register(app) {
      app.route("/console", consoleApp);
    },
    async authenticate(c: Context<AppEnv>): Promise<Principal | "csrf" | null> {
      const deps = c.get("deps");
      const session = await loadSession(c, deps, settings);
      if (!session) return null;
      if (c.req.method !== "GET" && c.req.method !== "HEAD") {
        const token = c.req.header("x-csrf-token") ?? "";
        if (!safeEqual(token, session.csrf)) return "csrf";
      }
      return { accountId: session.account.id, actor: { id: `user:${session.user.id}`, ip: clientIp(c) } };
    },
  };
}
