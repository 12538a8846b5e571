import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../env.js";
import { pathnameOf } from "./signet.js";

export const REQUEST_ID_HEADER = "X-Request-Id";
/** What a client may send as its own request id (as hono/request-id accepts). */
const CLIENT_REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * What every request gets, in one middleware (each async layer costs a few µs on the hot
 * path): `deps` and a request id in the context, the id echoed as X-Request-Id (the client's
 * own when it sent a usable one), and one log line when the request is done, unless the
 * logger is silent.
 */
export function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const logRequests = !deps.logger.silent;
  return async function requestContext(c, next) {
    c.set("deps", deps);
    const sent = c.req.header(REQUEST_ID_HEADER);
    const requestId = sent !== undefined && CLIENT_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
    c.set("requestId", requestId);
    if (!deps.setResponseHeader?.(c.env, REQUEST_ID_HEADER, requestId))
      c.header(REQUEST_ID_HEADER, requestId);
    if (!logRequests) return next();
    const started = performance.now();
    await next();
    deps.logger.info("request", {
      request_id: requestId,
      method: c.req.method,
      path: pathnameOf(c.req.url),
      status: c.res.status,
      key_id: c.get("signet")?.keyId,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}
