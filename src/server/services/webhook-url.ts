import ipaddr from "ipaddr.js";
import { InvalidRequestError } from "../../core/errors.js";

/** Where a webhook may point. Loopback only when the operator allows it (tests, local setups). */
export interface WebhookTargetPolicy {
  allowLoopback: boolean;
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Why `address` (an IP literal) may not receive webhooks, or null if it may. Only global
 * unicast addresses pass: private, link-local (cloud metadata), CGNAT, unique-local,
 * multicast, reserved and translation ranges are refused so a webhook cannot be aimed at
 * the provider's own network (SSRF). Loopback passes only with `allowLoopback`.
 */
export function refusedAddress(address: string, policy: WebhookTargetPolicy): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const range = ipaddr.process(address).range(); // ::ffff:a.b.c.d is judged as a.b.c.d
  if (range === "unicast") return null;
  if (range === "loopback" && policy.allowLoopback) return null;
  return `${address} is a ${range} address; webhooks go to public addresses only`;
}

const isLocalhostName = (host: string): boolean => host === "localhost" || host.endsWith(".localhost");

/**
 * Checks a webhook URL at registration and again before each delivery: http or https, no
 * credentials or fragment, and a host that is not a refused IP literal or `localhost`.
 * Hostnames are resolved and checked again at connect time by the runtime's transport.
 */
export function checkWebhookUrl(input: string, policy: WebhookTargetPolicy): URL {
  const fail = (message: string) => new InvalidRequestError(`url: ${message}`, { field: "url" });
  if (input.length > MAX_WEBHOOK_URL_LENGTH) throw fail(`at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw fail("not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw fail("must be http or https");
  if (url.username || url.password) throw fail("must not carry a user name or password");
  if (url.hash) throw fail("must not have a fragment");
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (ipaddr.isValid(host)) {
    const refused = refusedAddress(host, policy);
    if (refused) throw fail(refused);
  } else if (isLocalhostName(host.toLowerCase())) {
    if (!policy.allowLoopback) throw fail(`${host} is loopback; webhooks go to public addresses only`);
  } else if (!host.includes(".")) {
    throw fail(`${host} is not a fully qualified host name`);
  }
  return url;
}
