/**
 * Where key pairs come from and signatures are checked. Web Crypto by default; the Node
 * entry swaps in `@peculiar/webcrypto` where `crypto.subtle` lacks Ed25519.
 */
export interface CryptoProvider {
  readonly name: string;
  readonly subtle: SubtleCrypto;
}

export const webCryptoProvider: CryptoProvider = {
  name: "webcrypto",
  get subtle() {
    return crypto.subtle;
  },
};

/** True when this provider can generate and verify Ed25519. */
export async function supportsEd25519(provider: CryptoProvider): Promise<boolean> {
  try {
    await provider.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}
