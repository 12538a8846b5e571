import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { SignetError, VerifierUnavailableError } from "../core/errors.js";
import { InvalidCursorError } from "../store/cursor.js";
import type { AppDeps, AppEnv } from "./env.js";
import { bodyLimit } from "./middleware/body-limit.js";
import { requestContext } from "./middleware/request-context.js";
import { problem, STATUS_BY_CODE } from "./problem.js";
import { PrefixRouter } from "./router.js";
import { registerListAudit } from "./routes/audit-list.js";
import { registerDemoEcho } from "./routes/demo-echo.js";
import { type OpenApiObjectConfig, registerDocs } from "./routes/docs.js";
import { registerExtAuthz } from "./routes/ext-authz.js";
import { registerForwardAuth } from "./routes/forward-auth.js";
import { registerHealthz } from "./routes/healthz.js";
import { registerCreateKey } from "./routes/keys-create.js";
import { registerGetKey } from "./routes/keys-get.js";
import { registerListKeys } from "./routes/keys-list.js";
import { registerRevokeKey } from "./routes/keys-revoke.js";
import { registerRotateKey } from "./routes/keys-rotate.js";
import { registerUpdateKey } from "./routes/keys-update.js";
import { registerVerify } from "./routes/verify.js";
import { registerWebhookKeys } from "./routes/webhook-keys.js";
import { registerCreateWebhook } from "./routes/webhooks-create.js";
import { registerDeleteWebhook } from "./routes/webhooks-delete.js";
import { registerListWebhookDeliveries } from "./routes/webhooks-deliveries.js";
import { registerGetWebhook } from "./routes/webhooks-get.js";
import { registerListWebhooks } from "./routes/webhooks-list.js";
import { registerWhoami } from "./routes/whoami.js";

export const MAX_BODY_BYTES = 64 * 1024;

/** Names the first failing field of a zod error, e.g. `scopes.0: expected string`. */
function describeZodError(error: ZodError): { field: string; detail: string } {
  const issue = error.issues[0];
  if (!issue) return { field: "", detail: "invalid request" };
  if (issue.code === "unrecognized_keys") {
    const keys = (issue as { keys: string[] }).keys;
    const prefix = issue.path.length ? `${issue.path.join(".")}.` : "";
    return {
      field: `${prefix}${keys[0]}`,
      detail: `unknown field ${keys.map((k) => prefix + k).join(", ")}`,
    };
  }
  const field = issue.path.join(".") || "body";
  return { field, detail: `${field}: ${issue.message}` };
}

function validationProblem(c: Context, error: ZodError, target: string): Response {
  const { field, detail } = describeZodError(error);
  return problem(c, { status: 400, code: "invalid_request", detail, extra: { field, location: target } });
}

/** The Signet HTTP app. Every service comes in through `deps`; nothing is a singleton. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // the console's and Envoy's routes need a TrieRouter; the API keeps the RegExpRouter
    router: new PrefixRouter(["/console", "/v1/ext-authz"]),
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(c, result.error as unknown as ZodError, result.target);
    },
  });

  app.use("*", requestContext(deps));
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        problem(c, {
          status: 400,
          code: "invalid_request",
          detail: `body: larger than ${MAX_BODY_BYTES} bytes`,
          extra: { field: "body" },
        }),
    }),
  );

  registerHealthz(app);
  registerWhoami(app);
  registerVerify(app);
  registerForwardAuth(app);
  registerExtAuthz(app);
  registerCreateKey(app);
  registerListKeys(app);
  registerGetKey(app);
  registerUpdateKey(app);
  registerRotateKey(app);
  registerRevokeKey(app);
  registerListAudit(app);
  registerDemoEcho(app);
  registerCreateWebhook(app);
  registerListWebhooks(app);
  registerGetWebhook(app);
  registerDeleteWebhook(app);
  registerListWebhookDeliveries(app);
  registerWebhookKeys(app);
  // the customer console, when the entry wires one (src/console)
  deps.console?.register(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "SignetAssertion", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT (EdDSA, typ signet+jwt)",
    description: "A short-lived assertion signed with the key's Ed25519 private key (DESIGN §3).",
  });
  const openapi: OpenApiObjectConfig = {
    openapi: "3.1.0",
    info: {
      title: "Signet",
      version: "1",
      description:
        "API keys where the server stores only public keys. Each request carries a signed assertion.",
    },
    servers: [{ url: deps.config.publicUrl }],
  };
  app.doc31("/openapi.json", openapi);
  registerDocs(app, openapi);

  app.get("/", (c) =>
    c.json({
      name: "signet",
      audience: deps.config.audience,
      openapi: "/openapi.json",
      docs: "/docs",
      health: "/healthz",
    }),
  );

  app.notFound((c) =>
    problem(c, {
      status: 404,
      code: "not_found",
      detail: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
    }),
  );

  app.onError((error, c) => {
    if (error instanceof VerifierUnavailableError) {
      deps.logger.error("verifier unavailable", {
        request_id: c.get("requestId"),
        cause: String(error.cause ?? ""),
      });
      return problem(c, { status: 503, code: error.code, detail: error.message });
    }
    if (error instanceof SignetError) {
      return problem(c, {
        status: STATUS_BY_CODE[error.code],
        code: error.code,
        detail: error.message,
        extra: error.details,
      });
    }
    if (error instanceof InvalidCursorError) {
      return problem(c, {
        status: 400,
        code: "invalid_request",
        detail: `cursor: ${error.message}`,
        extra: { field: "cursor" },
      });
    }
    if (error instanceof HTTPException && error.status < 500) {
      // hono's validators throw this for a body that is not JSON
      const detail = /json/i.test(error.message) ? "body: malformed JSON" : error.message;
      return problem(c, { status: error.status, code: "invalid_request", detail, extra: { field: "body" } });
    }
    deps.logger.error("unhandled error", {
      request_id: c.get("requestId"),
      error: String(error),
      stack: (error as Error).stack,
    });
    return problem(c, { status: 500, code: "internal_error", detail: "an unexpected error occurred" });
  });

  return app;
}
