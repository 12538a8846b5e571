import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../server/env.js";
import type { AccountRecord, SessionRecord, UserRecord } from "../store/ports.js";
import type { PasswordHasher } from "./password.js";
import { createUserService, type UserService } from "./users.js";

export interface ConsoleSettings {
  /** Shown by passkey prompts ("Signet"). */
  rpName: string;
  /** A session ends after this long without a request. */
  idleTimeoutMs: number;
  /** And after this long whatever the activity. */
  absoluteTimeoutMs: number;
  /** WebAuthn challenges live this long (at most 5 minutes). */
  challengeTtlMs: number;
  /** One-time sign-in links live this long. */
  linkTtlMs: number;
  /** Sign-in attempts allowed per window, per email address and per client IP. */
  signInLimits: { perEmail: number; perIp: number; windowMs: number };
}

export const DEFAULT_SETTINGS: ConsoleSettings = {
  rpName: "Signet",
  idleTimeoutMs: 60 * 60 * 1000,
  absoluteTimeoutMs: 12 * 60 * 60 * 1000,
  challengeTtlMs: 5 * 60 * 1000,
  linkTtlMs: 15 * 60 * 1000,
  signInLimits: { perEmail: 10, perIp: 50, windowMs: 15 * 60 * 1000 },
};

/** The signed-in person behind a console request. */
export interface ConsoleSession {
  /** The raw session id (from the cookie; never stored). */
  id: string;
  record: SessionRecord;
  user: UserRecord;
  account: AccountRecord;
  csrf: string;
}

export interface ConsoleRuntime {
  settings: ConsoleSettings;
  hasher: PasswordHasher;
  users: UserService;
}

export type ConsoleEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & {
    secureHeadersNonce?: string;
    console: ConsoleRuntime;
    session?: ConsoleSession;
  };
};

export type ConsoleContext = Context<ConsoleEnv>;

/** One runtime per app (the deps object), made on first use. */
export function runtimeCache(
  settings: ConsoleSettings,
  hasher: PasswordHasher,
): (deps: AppDeps) => ConsoleRuntime {
  const runtimes = new WeakMap<AppDeps, ConsoleRuntime>();
  return (deps) => {
    let runtime = runtimes.get(deps);
    if (!runtime) {
      runtime = {
        settings,
        hasher,
        users: createUserService({
          store: deps.store,
          clock: deps.clock,
          publicUrl: deps.config.publicUrl,
          hasher,
          linkTtlMs: settings.linkTtlMs,
        }),
      };
      runtimes.set(deps, runtime);
    }
    return runtime;
  };
}

/** The client address, for audit events and rate limits. */
export function clientIp<E extends AppEnv>(c: Context<E>): string | null {
  const deps = (c as unknown as Context<AppEnv>).get("deps");
  return deps.clientIp(c.req.raw, c.env) ?? null;
}
