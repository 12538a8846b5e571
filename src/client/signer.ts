import { importPKCS8, SignJWT } from "jose";
import { encode } from "../core/base64url.js";
import { pkcs8FromSeed } from "../core/keys.js";
import { toPem } from "../core/pem.js";
import type { Credentials } from "./credentials.js";

export interface SignerOptions {
  /** Overrides the credentials' audience (default: the credentials', else the URL's origin). */
  audience?: string;
  /** Token lifetime in seconds (default 60; the server caps it at 300). */
  lifetime?: number;
  /** Clock for tests, ms. */
  now?: () => number;
}

export interface SignRequest {
  method: string;
  url: string | URL;
  /** Narrow this token to some of the key's scopes. */
  scope?: string | string[];
}

export interface Signer {
  readonly keyId: string;
  sign(request: SignRequest): Promise<string>;
}

/** `htu`: the URL without query and fragment. */
export function htuOf(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** Signs one short-lived assertion per request (DESIGN §3). */
export function createSigner(credentials: Credentials, options: SignerOptions = {}): Signer {
  const lifetime = options.lifetime ?? 60;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 300)
    throw new Error("lifetime must be 1..300 seconds");
  const now = options.now ?? Date.now;
  const privateKey = importPKCS8(toPem("PRIVATE KEY", pkcs8FromSeed(credentials.seed)), "EdDSA");
  return {
    keyId: credentials.keyId,
    async sign(request) {
      const url = new URL(request.url);
      const iat = Math.floor(now() / 1000);
      const claims: Record<string, unknown> = {
        htm: request.method.toUpperCase(),
        htu: htuOf(url),
        jti: encode(crypto.getRandomValues(new Uint8Array(18))),
      };
      if (request.scope !== undefined) {
        claims.scope = Array.isArray(request.scope) ? request.scope.join(" ") : request.scope;
      }
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", typ: "signet+jwt", kid: credentials.keyId })
        .setIssuer(credentials.keyId)
        .setSubject(credentials.keyId)
        .setAudience(options.audience ?? credentials.audience ?? url.origin)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(await privateKey);
    },
  };
}
