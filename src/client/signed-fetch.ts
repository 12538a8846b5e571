import { type Credentials, type CredentialsSource, loadCredentials } from "./credentials.js";
import { createSigner, type Signer, type SignerOptions } from "./signer.js";

export interface SignedFetchOptions extends SignerOptions {
  fetch?: typeof fetch;
  /** Called once when the server reports clock skew (default: console.warn). */
  warn?: (message: string) => void;
}

/**
 * `fetch` that signs every request with a fresh assertion. If the server answers
 * token_expired / token_not_yet_valid, it warns once with the skew it measured.
 */
export function createSignedFetch(
  credentials: Credentials | Signer,
  options: SignedFetchOptions = {},
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const signer = "sign" in credentials ? credentials : createSigner(credentials, options);
  const doFetch = options.fetch ?? fetch;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const now = options.now ?? Date.now;
  let warned = false;
  return async function signedFetch(input, init) {
    const request = new Request(input, init);
    const token = await signer.sign({ method: request.method, url: request.url });
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${token}`);
    const response = await doFetch(new Request(request, { headers }));
    if (response.status === 401 && !warned) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as { code?: string; server_time?: number } | null;
      if (
        (body?.code === "token_expired" || body?.code === "token_not_yet_valid") &&
        typeof body.server_time === "number"
      ) {
        warned = true;
        const skew = Math.round(now() / 1000 - body.server_time);
        warn(
          `signet: this machine's clock is ${Math.abs(skew)} s ${skew >= 0 ? "ahead of" : "behind"} the server's; sync it (NTP)`,
        );
      }
    }
    return response;
  };
}

/** One-shot convenience: load credentials (default: SIGNET_CREDENTIALS), sign and fetch. */
export async function signedFetch(
  input: string | URL | Request,
  init?: RequestInit,
  options: SignedFetchOptions & { credentials?: CredentialsSource } = {},
): Promise<Response> {
  const credentials = await loadCredentials(options.credentials);
  return createSignedFetch(credentials, options)(input, init);
}
