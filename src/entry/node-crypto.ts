import {
  createHash,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  verify as nodeVerify,
  randomBytes,
} from "node:crypto";
import type { CryptoProvider } from "../core/crypto-provider.js";
import { PKCS8_ED25519_PREFIX } from "../core/keys.js";
import type { SignatureVerifier } from "../core/signature.js";

/**
 * Web Crypto for everything, plus key generation straight from node:crypto: a random 32-byte
 * seed is an Ed25519 private key (RFC 8032), and importing it raw (JWK `d`) and reading back
 * its public key is synchronous and ~10x cheaper than three async Web Crypto jobs or a PKCS#8
 * DER import (OpenSSL 3's decoders). Node builds the key from `d` alone; the `x` it requires
 * as a string is not used, and the exported `x` is derived from the seed (tested against
 * Web Crypto's derivation). (Not generateKeyPairSync: on Node 20 with a module-hooks thread
 * it can deadlock during GC.)
 */
export const nodeCryptoProvider: CryptoProvider = {
  name: "node:crypto",
  get subtle() {
    return globalThis.crypto.subtle;
  },
  generateEd25519() {
    const seed = randomBytes(32);
    const privateKey = createPrivateKey({
      key: { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x: "" },
      format: "jwk",
    });
    const { x } = privateKey.export({ format: "jwk" });
    const publicKey = typeof x === "string" ? Buffer.from(x, "base64url") : Buffer.alloc(0);
    const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
    pkcs8.set(PKCS8_ED25519_PREFIX);
    pkcs8.set(seed, PKCS8_ED25519_PREFIX.length);
    seed.fill(0);
    if (publicKey.length !== 32) throw new Error("node:crypto did not derive a 32-byte public key");
    return { pkcs8, publicKey: new Uint8Array(publicKey) };
  },
  sha256(data) {
    return new Uint8Array(createHash("sha256").update(data).digest());
  },
};

/** A 32-byte Ed25519 public key as base64url, exactly (43 characters, last one with zero pad bits). */
const X_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
/** A 64-byte signature as strict base64url (86 characters, last one with zero pad bits). */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/;

/**
 * Node's fastest Ed25519 primitive: `crypto.verify(null, data, KeyObject, signature)`, one
 * synchronous OpenSSL call with a key parsed once. Same OpenSSL as Node's Web Crypto (so it
 * accepts exactly the same signatures), without the job queue, the promise and jose's
 * re-parsing of the header, which createVerifier has already checked strictly.
 */
export const nodeSignatureVerifier: SignatureVerifier & {
  /** Raw Ed25519 verification with an imported key; any malformed input is `false`. */
  verifyRaw(key: unknown, message: Uint8Array, signature: Uint8Array): boolean;
} = {
  name: "node:crypto",
  async importKey(x) {
    if (!X_PATTERN.test(x)) throw new TypeError("not a 32-byte base64url Ed25519 public key");
    return createPublicKey({ format: "jwk", key: { kty: "OKP", crv: "Ed25519", x } });
  },
  async verify(token, key) {
    const dot = token.lastIndexOf(".");
    const signature = token.slice(dot + 1);
    if (dot < 0 || !SIGNATURE_PATTERN.test(signature)) return false;
    return nodeSignatureVerifier.verifyRaw(
      key,
      Buffer.from(token.slice(0, dot), "utf8"),
      Buffer.from(signature, "base64url"),
    );
  },
  verifyRaw(key, message, signature) {
    if (!isEd25519PublicKey(key) || signature.length !== 64) return false;
    try {
      return nodeVerify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

function isEd25519PublicKey(key: unknown): key is KeyObject {
  return key instanceof KeyObject && key.type === "public" && key.asymmetricKeyType === "ed25519";
}
