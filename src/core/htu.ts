const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * `scheme://host[:port]/path` normalised per RFC 3986 §6.2.2–6.2.3: case, percent-encoding
 * (unreserved characters decoded, hex upper-cased, `%2F` kept), dot segments, default port,
 * empty path. Query and fragment are dropped. Returns null for userinfo or non-http(s).
 */
export function normalizeHtu(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username !== "" || url.password !== "") return null;
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path === "" ? "/" : path}`;
}

/** The `htu` the server expects for a request path, seen from its configured public origin. */
export function expectedHtu(publicOrigin: string, requestPath: string): string | null {
  const path = requestPath.startsWith("/") ? requestPath : `/${requestPath}`;
  return normalizeHtu(`${publicOrigin}${path}`);
}
