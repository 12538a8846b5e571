import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Clock } from "../core/clock.js";
import type { Verifier, VerifySuccess } from "../core/verifier.js";
import type { KeyCache } from "../store/key-cache.js";
import type { LastUsedRecorder } from "../store/last-used.js";
import type { Store } from "../store/ports.js";
import type { Actor } from "./services/actor.js";
import type { KeyService } from "./services/key-service.js";
import type { WebhookService } from "./services/webhooks.js";

/** Structured logs. Never pass tokens, private keys or passwords. */
export interface Logger {
  /** True when nothing is written: callers may skip building fields (the per-request line). */
  readonly silent?: boolean;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ServerConfig {
  /** Public origin, e.g. https://api.example.com: the audience default and the htu origin. */
  publicUrl: string;
  audience: string;
  clockSkew: number;
  maxLifetime: number;
}

/** Everything the app needs, injected by the entry (Node or Workers). */
export interface AppDeps {
  config: ServerConfig;
  store: Store;
  verifier: Verifier;
  keyCache?: KeyCache;
  keys: KeyService;
  lastUsed?: LastUsedRecorder;
  clock: Clock;
  logger: Logger;
  /** The client address as this runtime sees it (socket, or a trusted proxy header). */
  clientIp: (request: Request, env: unknown) => string | undefined;
  /**
   * Sets a header on the runtime's own response, ahead of whatever Response the app returns
   * (Node: `ServerResponse.setHeader`, which Node merges into the head it writes); false when
   * the runtime has no such response. A header every response carries then needs no `Headers`
   * object per response (~6 µs on @hono/node-server).
   */
  setResponseHeader?: (env: unknown, name: string, value: string) => boolean;
  /** The customer console (sign-in, keys pages); absent where not wired. */
  console?: ConsoleExtension;
  /** Extra readiness checks for /healthz (Redis, …). */
  health?: Array<{ name: string; check: () => Promise<void> }>;
  /** Webhooks (registration, deliveries, the signing key's JWKS); absent where not wired. */
  webhooks?: WebhookService;
}

/**
 * The customer console (src/console), plugged in by the entry. The server knows only this
 * shape, so imports keep flowing server ← console.
 */
export interface ConsoleExtension {
  /** Mounts the /console pages on the app. */
  register(app: OpenAPIHono<AppEnv>): void;
  /**
   * The console session behind a management API call: its principal; "csrf" when a state
   * change lacks the session's X-CSRF-Token header; null when there is no valid session.
   */
  authenticate(c: Context<AppEnv>): Promise<Principal | "csrf" | null>;
}

/** The verified caller of a protected route. */
export interface SignetCaller extends Pick<VerifySuccess, "keyId" | "accountId" | "scopes"> {
  claims: VerifySuccess["claims"];
}

export interface Principal {
  accountId: string;
  actor: Actor;
}

export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: {
    requestId: string;
    deps: AppDeps;
    signet: SignetCaller;
    principal: Principal;
  };
};
