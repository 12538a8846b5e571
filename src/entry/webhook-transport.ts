import { type LookupAddress, lookup } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { refusedAddress, type WebhookTargetPolicy } from "../server/services/webhook-url.js";
import type { WebhookTransport } from "../server/services/webhooks.js";

/**
 * Node's webhook transport. The host name is resolved here and every address it resolves
 * to is checked before connecting, and the connection goes to the checked address: a name
 * that points (or is re-pointed, DNS rebinding) at a private or loopback address is refused.
 * Redirects are not followed.
 */
export function createNodeWebhookTransport(policy: WebhookTargetPolicy): WebhookTransport {
  const guardedLookup = (
    hostname: string,
    options: { family?: number | string; all?: boolean },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const refused = addresses.map((a) => refusedAddress(a.address, policy)).find((r) => r !== null);
      if (refused || addresses.length === 0) {
        const failure: NodeJS.ErrnoException = new Error(refused ?? `${hostname} has no address`);
        failure.code = "EADDRNOTALLOWED";
        return callback(failure, "");
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };

  return ({ url, headers, body, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const host = target.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host)) {
        const refused = refusedAddress(host, policy);
        if (refused) return reject(new Error(refused));
      }
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const outgoing = send(
        target,
        {
          method: "POST",
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          lookup: guardedLookup as never, // Node's overloaded lookup type; the shape above is what it calls
        },
        (response) => {
          clearTimeout(deadline);
          resolve({ status: response.statusCode ?? 0 });
          // the body is not read, only drained, and not for long
          response.resume();
          const drainCap = setTimeout(() => response.destroy(), timeoutMs);
          response.on("close", () => clearTimeout(drainCap));
          response.on("error", () => {});
        },
      );
      const deadline = setTimeout(
        () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      outgoing.on("error", (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      outgoing.end(body);
    });
}
