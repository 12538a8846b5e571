/**
 * Where key pairs come from and signatures are checked. Web Crypto by default; the Node
 * entry swaps in `@peculiar/webcrypto` where `crypto.subtle` lacks Ed25519.
 */
export interface CryptoProvider {
  readonly name: string;
  readonly subtle: SubtleCrypto;
  /**
   * A new Ed25519 pair (PKCS#8 document, raw 32-byte public key) without Web Crypto's async
   * job round trips, where the runtime has such a path (Node). Absent: `subtle` is used.
   */
  generateEd25519?(): { pkcs8: Uint8Array; publicKey: Uint8Array };
  /**
   * SHA-256, synchronously, where the runtime has it (Node). Absent: Web Crypto's digest (via
   * jose), an async job that costs ~60 µs of CPU for a key thumbprint against ~2 µs here.
   */
  sha256?(data: Uint8Array): Uint8Array;
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
