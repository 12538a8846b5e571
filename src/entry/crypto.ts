import { Crypto as PeculiarCrypto } from "@peculiar/webcrypto";
import { type CryptoProvider, supportsEd25519, webCryptoProvider } from "../core/crypto-provider.js";
import { joseSignatureVerifier, type SignatureVerifier, subtleSignatureVerifier } from "../core/signature.js";
import { nodeCryptoProvider, nodeSignatureVerifier } from "./node-crypto.js";

export const peculiarProvider = (): CryptoProvider => ({
  name: "@peculiar/webcrypto",
  subtle: new PeculiarCrypto().subtle,
});

/**
 * The runtime's Web Crypto when it has Ed25519, else @peculiar/webcrypto. Signatures are
 * checked with node:crypto (the fastest primitive Node has) unless `jose` is asked for.
 */
export async function selectCrypto(
  prefer?: "webcrypto" | "peculiar" | "jose",
): Promise<{ provider: CryptoProvider; signatures: SignatureVerifier }> {
  if (prefer !== "peculiar" && (await supportsEd25519(webCryptoProvider))) {
    return {
      provider: nodeCryptoProvider,
      signatures: prefer === "jose" ? joseSignatureVerifier : nodeSignatureVerifier,
    };
  }
  const provider = peculiarProvider();
  return { provider, signatures: subtleSignatureVerifier(provider) };
}
