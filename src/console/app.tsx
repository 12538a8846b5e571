import { Hono } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { NotFoundError, SignetError } from "../core/errors.js";
import type { AppDeps } from "../server/env.js";
import { bodyLimit } from "../server/middleware/body-limit.js";
import { InvalidCursorError } from "../store/cursor.js";
import { ASSETS } from "./assets/index.js";
import type { ConsoleContext, ConsoleEnv, ConsoleRuntime, ConsoleSettings } from "./context.js";
import { pageContext, wantsJson } from "./render.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerKeyRoutes } from "./routes/keys.js";
import { registerPeopleRoutes } from "./routes/people.js";
import { csrfMatches, loadSession } from "./sessions.js";
import { MessagePage } from "./views/errors.js";

export const CONSOLE_BODY_LIMIT = 64 * 1024;

/** Paths anyone may reach; everything else needs a session. */
const PUBLIC_PATHS = new Set([
  "/console",
  "/console/",
  "/console/sign-in",
  "/console/link",
  "/console/passkey/options",
  "/console/passkey/verify",
]);

/** A plain error page (or JSON for script requests). */
export function messageResponse(
  c: ConsoleContext,
  status: 400 | 401 | 403 | 404 | 410 | 429 | 500,
  title: string,
  message: string,
  action?: { href: string; label: string },
): Response | Promise<Response> {
  c.header("cache-control", "no-store");
  if (wantsJson(c) || c.req.header("content-type")?.startsWith("application/json")) {
    return c.json({ error: message }, status);
  }
  return c.html(
    <MessagePage page={pageContext(c)} title={title} message={message} action={action} />,
    status,
  );
}

export const notFoundPage = (c: ConsoleContext) =>
  messageResponse(c, 404, "Not found", "There is nothing here, or it belongs to another account.", {
    href: "/console/keys",
    label: "Back to API keys",
  });

/** The /console pages (mount at /console; routes below are relative): server-rendered, one small script, strict CSP, sessions and CSRF checks. */
export function buildConsoleApp(
  settings: ConsoleSettings,
  runtimeFor: (deps: AppDeps) => ConsoleRuntime,
): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.use("*", async (c, next) => {
    const https = new URL(c.get("deps").config.publicUrl).protocol === "https:";
    return secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'", NONCE],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: "DENY",
      // not no-referrer: with it, browsers send "Origin: null" on form posts and the origin check fails
      referrerPolicy: "same-origin",
      strictTransportSecurity: https ? "max-age=31536000; includeSubDomains" : false,
      crossOriginEmbedderPolicy: false,
    })(c, next);
  });

  // static assets: text modules, so Node and Workers serve the same bytes
  app.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) return c.text("not found", 404);
    c.header("content-type", asset.type);
    c.header("cache-control", "public, max-age=86400");
    return c.body(asset.body);
  });

  app.use("*", async (c, next) => {
    c.set("console", runtimeFor(c.get("deps")));
    await next();
    if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: CONSOLE_BODY_LIMIT,
      onError: (c) =>
        messageResponse(c as ConsoleContext, 400, "Too large", "That form was too large to accept."),
    }),
  );

  // who is signed in; pages that need someone send the others to sign in
  app.use("*", async (c, next) => {
    const session = await loadSession(c, c.get("deps"), settings);
    if (session) c.set("session", session);
    if (!session && !PUBLIC_PATHS.has(c.req.path)) {
      if (c.req.method === "GET" || c.req.method === "HEAD") {
        const next = c.req.path + (new URL(c.req.url).search || "");
        return c.redirect(`/console/sign-in?next=${encodeURIComponent(next)}`, 303);
      }
      if (wantsJson(c) || c.req.header("content-type")?.startsWith("application/json")) {
        return c.json({ error: "Your session has ended. Sign in again." }, 401);
      }
      return c.redirect("/console/sign-in?done=expired", 303);
    }
    await next();
  });

  // every state change: same origin, and the CSRF token of this session (or pre-session cookie)
  app.use("*", async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const origin = c.req.header("origin");
    const expectedOrigin = new URL(c.get("deps").config.publicUrl).origin;
    const json = c.req.header("content-type")?.startsWith("application/json") ?? false;
    let submitted: unknown;
    if (json) {
      submitted = c.req.header("x-csrf-token");
    } else {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      submitted = body.csrf;
    }
    if ((origin && origin !== expectedOrigin) || !csrfMatches(c, c.get("session"), submitted)) {
      c.get("deps").logger.warn("console request refused: CSRF check failed", {
        request_id: c.get("requestId"),
        path: c.req.path,
      });
      return messageResponse(
        c,
        403,
        "This form has expired",
        "The page you sent it from was stale or came from another site. Go back, reload the page and try again.",
        { href: c.get("session") ? "/console/keys" : "/console/sign-in", label: "Start again" },
      );
    }
    await next();
  });

  app.get("/", (c) => c.redirect(c.get("session") ? "/console/keys" : "/console/sign-in", 303));

  registerAuthRoutes(app, settings);
  registerKeyRoutes(app);
  registerPeopleRoutes(app, settings);

  app.all("*", (c) =>
    c.req.path === "/console/"
      ? c.redirect(c.get("session") ? "/console/keys" : "/console/sign-in", 303)
      : notFoundPage(c),
  );

  app.onError((error, c) => {
    if (error instanceof NotFoundError) return notFoundPage(c);
    if (error instanceof InvalidCursorError) {
      return messageResponse(
        c,
        400,
        "Bad page link",
        "That page link is not valid. Start from the first page.",
      );
    }
    if (error instanceof SignetError && error.code === "conflict") {
      return messageResponse(c, 400, "Cannot do that", error.message);
    }
    c.get("deps").logger.error("console error", {
      request_id: c.get("requestId"),
      error: String(error),
      stack: (error as Error).stack,
    });
    return messageResponse(c, 500, "Something went wrong", "The console hit an unexpected error. Try again.");
  });

  return app;
}
