import type { Context, Env, MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";

export interface BodyLimitOptions<E extends Env> {
  /** Largest accepted body, bytes. */
  maxSize: number;
  onError: (c: Context<E>) => Response | Promise<Response>;
}

/**
 * hono/body-limit, deciding from the headers first. Hono's reads `c.req.raw.body` before
 * anything else, and on @hono/node-server that builds a full Web `Request` (a stream over the
 * socket) for every request, GETs included: ~20 µs each on the gateway routes and key creation.
 * A request with a Content-Length and no Transfer-Encoding is judged by its length; a GET or
 * HEAD with neither has no body (RFC 9112 §6.3); anything else is streamed and counted by
 * Hono's own middleware.
 */
export function bodyLimit<E extends Env>(options: BodyLimitOptions<E>): MiddlewareHandler<E> {
  const { maxSize, onError } = options;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0)
    throw new TypeError("bodyLimit: maxSize must be a byte count");
  const streamed = honoBodyLimit({ maxSize, onError });
  return async function bodyLimit(c, next) {
    const headers = c.req.raw.headers;
    if (!headers.has("transfer-encoding")) {
      const length = headers.get("content-length");
      if (length !== null && /^[0-9]{1,15}$/.test(length))
        return Number(length) > maxSize ? onError(c) : next();
      if (length === null && (c.req.method === "GET" || c.req.method === "HEAD")) return next();
    }
    return streamed(c, next);
  };
}
