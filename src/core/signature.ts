import { compactVerify, importJWK } from "jose";
import type { CryptoProvider } from "./crypto-provider.js";
import { publicJwk } from "./keys.js";

/**
 * Step 4 of verification. Keys are imported once (the key cache keeps the result) and
 * signatures are checked against the compact token.
 */
export interface SignatureVerifier {
  readonly name: string;
  importKey(x: string): Promise<unknown>;
  /** True when `token`'s signature holds for `key`; false for any mismatch. */
  verify(token: string, key: unknown): Promise<boolean>;
}

/** The default: jose, EdDSA only, on the runtime's Web Crypto. */
export const joseSignatureVerifier: SignatureVerifier = {
  name: "jose",
  importKey: (x) => importJWK(publicJwk(x), "EdDSA"),
  async verify(token, key) {
    try {
      await compactVerify(token, key as CryptoKey, { algorithms: ["EdDSA"] });
      return true;
    } catch {
      return false;
    }
  },
};

/** Any SubtleCrypto with Ed25519 (e.g. `@peculiar/webcrypto` where the runtime lacks it). */
export function subtleSignatureVerifier(provider: CryptoProvider): SignatureVerifier {
  const encoder = new TextEncoder();
  return {
    name: provider.name,
    importKey: (x) => provider.subtle.importKey("jwk", publicJwk(x), { name: "Ed25519" }, false, ["verify"]),
    async verify(token, key) {
      const dot = token.lastIndexOf(".");
      const signature = base64urlToBytes(token.slice(dot + 1));
      if (!signature) return false;
      try {
        return await provider.subtle.verify(
          { name: "Ed25519" },
          key as CryptoKey,
          signature,
          encoder.encode(token.slice(0, dot)),
        );
      } catch {
        return false;
      }
    },
  };
}

function base64urlToBytes(segment: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(segment.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
