import { calculateJwkThumbprint } from "jose";
import { encode } from "./base64url.js";
import type { CryptoProvider } from "./crypto-provider.js";
import { toPem } from "./pem.js";

/** What Signet stores for a key: never `d`, never `alg`. */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

/** RFC 8410 PKCS#8 prefix for an Ed25519 private key; the 32-byte seed follows. */
export const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
/** RFC 8410 SPKI prefix for an Ed25519 public key; the 32-byte point follows. */
export const SPKI_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

export interface GeneratedKeyPair {
  publicJwk: PublicJwk;
  /** The 32-byte private seed; the caller hands it out once and drops it. */
  seed: Uint8Array;
  privateKeyPem: string;
}

export const publicJwk = (x: string): PublicJwk => ({ kty: "OKP", crv: "Ed25519", x });

const utf8 = new TextEncoder();

/**
 * RFC 7638 thumbprint (SHA-256, base64url) of the public key: jose's, or the same digest of
 * the same canonical members taken synchronously when the provider can hash (Node).
 */
export function fingerprint(jwk: PublicJwk, provider?: CryptoProvider): Promise<string> {
  if (!provider?.sha256) return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "sha256");
  // RFC 7638 §3.2: the required members of an OKP key (RFC 8037 §2), in lexicographic order
  const canonical = `{"crv":${JSON.stringify(jwk.crv)},"kty":${JSON.stringify(jwk.kty)},"x":${JSON.stringify(jwk.x)}}`;
  return Promise.resolve(encode(provider.sha256(utf8.encode(canonical))));
}

export function pkcs8FromSeed(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return der;
}

/** The seed inside an Ed25519 PKCS#8 document, or null if it is anything else. */
export function seedFromPkcs8(der: Uint8Array): Uint8Array | null {
  if (der.length !== PKCS8_ED25519_PREFIX.length + 32) return null;
  for (let i = 0; i < PKCS8_ED25519_PREFIX.length; i++) if (der[i] !== PKCS8_ED25519_PREFIX[i]) return null;
  return der.slice(PKCS8_ED25519_PREFIX.length);
}

export async function generateKeyPair(provider: CryptoProvider): Promise<GeneratedKeyPair> {
  const { pkcs8, raw } = provider.generateEd25519
    ? (({ pkcs8, publicKey }) => ({ pkcs8, raw: publicKey }))(provider.generateEd25519())
    : await generateWithSubtle(provider);
  const seed = seedFromPkcs8(pkcs8);
  if (!seed || raw.length !== 32)
    throw new Error(`crypto provider ${provider.name} returned an unexpected key format`);
  return { publicJwk: publicJwk(encode(raw)), seed, privateKeyPem: toPem("PRIVATE KEY", pkcs8) };
}

async function generateWithSubtle(provider: CryptoProvider): Promise<{ pkcs8: Uint8Array; raw: Uint8Array }> {
  const pair = (await provider.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await provider.subtle.exportKey("pkcs8", pair.privateKey));
  const raw = new Uint8Array(await provider.subtle.exportKey("raw", pair.publicKey));
  return { pkcs8, raw };
}

/** Derives the public key from a seed (used by clients that hold only the one-line form). */
export async function publicJwkFromSeed(provider: CryptoProvider, seed: Uint8Array): Promise<PublicJwk> {
  const key = await provider.subtle.importKey("pkcs8", pkcs8FromSeed(seed), { name: "Ed25519" }, true, [
    "sign",
  ]);
  const jwk = await provider.subtle.exportKey("jwk", key);
  if (typeof jwk.x !== "string") throw new Error("crypto provider did not export the public key");
  return publicJwk(jwk.x);
}
