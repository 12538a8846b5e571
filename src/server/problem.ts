import type { Context } from "hono";
import type { SignetErrorCode } from "../core/errors.js";

/** HTTP status for each stable error code: the one translation from core errors to HTTP. */
export const STATUS_BY_CODE: Record<SignetErrorCode, number> = {
  malformed_token: 401,
  invalid_token: 401,
  invalid_claims: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  audience_mismatch: 401,
  request_mismatch: 401,
  replayed_token: 401,
  key_revoked: 401,
  key_expired: 401,
  key_disabled: 401,
  ip_not_allowed: 401,
  insufficient_scope: 403,
  verifier_unavailable: 503,
  invalid_public_key: 400,
  invalid_credentials: 400,
  invalid_scope: 400,
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
};

const TITLES: Partial<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface ProblemInput {
  status: number;
  code: string;
  detail: string;
  extra?: Record<string, unknown>;
}

/** An RFC 9457 problem document, with `WWW-Authenticate` on 401/403 (RFC 6750). */
export function problem(c: Context, input: ProblemInput): Response {
  const body = {
    type: `https://signet.dev/problems/${input.code}`,
    title: TITLES[input.status] ?? "Error",
    status: input.status,
    code: input.code,
    detail: input.detail,
    ...input.extra,
    request_id: c.get("requestId") as string | undefined,
  };
  const headers = new Headers({ "content-type": "application/problem+json", "cache-control": "no-store" });
  if (input.status === 401) {
    headers.set(
      "www-authenticate",
      `Bearer realm="signet", error="invalid_token", error_description="${input.code}"`,
    );
  } else if (input.status === 403 && input.code === "insufficient_scope") {
    const missing = (input.extra?.missing_scopes as string[] | undefined)?.join(" ") ?? "";
    headers.set("www-authenticate", `Bearer realm="signet", error="insufficient_scope", scope="${missing}"`);
  } else if (input.status === 503) {
    headers.set("retry-after", "1");
  }
  return new Response(JSON.stringify(body), { status: input.status, headers });
}
