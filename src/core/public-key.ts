import { ed25519 } from "@noble/curves/ed25519";
import { decodeStrict, encode } from "./base64url.js";
import { InvalidPublicKeyError } from "./errors.js";
import { type PublicJwk, publicJwk, SPKI_ED25519_PREFIX } from "./keys.js";
import { fromPem } from "./pem.js";

const ALLOWED_JWK_MEMBERS = new Set(["kty", "crv", "x", "alg", "kid", "use", "key_ops"]);

/**
 * Accepts a bring-your-own public key (JWK object or SPKI PEM) and returns the stored form.
 * Rejects anything that is not a canonical, 32-byte Ed25519 point of more than small order:
 * Node and workerd accept signatures for small-order keys, so registration is the guard.
 */
export function parsePublicKey(input: unknown): PublicJwk {
  if (typeof input === "string") return fromSpkiPem(input);
  if (input !== null && typeof input === "object" && !Array.isArray(input))
    return fromJwk(input as Record<string, unknown>);
  throw new InvalidPublicKeyError("public_key must be a JWK object or an SPKI PEM string");
}

function fromJwk(jwk: Record<string, unknown>): PublicJwk {
  if ("d" in jwk) {
    throw new InvalidPublicKeyError("public_key is a private JWK (it has d); send only the public half");
  }
  if (jwk.kty !== "OKP") throw new InvalidPublicKeyError('public_key.kty must be "OKP"');
  if (jwk.crv !== "Ed25519") throw new InvalidPublicKeyError('public_key.crv must be "Ed25519"');
  if (jwk.alg !== undefined && jwk.alg !== "EdDSA")
    throw new InvalidPublicKeyError('public_key.alg, if set, must be "EdDSA"');
  for (const member of Object.keys(jwk)) {
    if (!ALLOWED_JWK_MEMBERS.has(member))
      throw new InvalidPublicKeyError(`public_key has unsupported member ${member}`);
  }
  if (typeof jwk.x !== "string") throw new InvalidPublicKeyError("public_key.x must be a base64url string");
  const bytes = decodeStrict(jwk.x);
  if (!bytes) throw new InvalidPublicKeyError("public_key.x is not strict base64url");
  return checkPoint(bytes);
}

function fromSpkiPem(pem: string): PublicJwk {
  if (pem.includes("PRIVATE KEY")) {
    throw new InvalidPublicKeyError("public_key is a private key; send only the public key (SPKI PEM)");
  }
  const der = fromPem("PUBLIC KEY", pem);
  if (!der) throw new InvalidPublicKeyError("public_key is not a single PEM block labelled PUBLIC KEY");
  if (der.length !== SPKI_ED25519_PREFIX.length + 32 || !SPKI_ED25519_PREFIX.every((b, i) => der[i] === b)) {
    throw new InvalidPublicKeyError("public_key PEM is not an Ed25519 SubjectPublicKeyInfo");
  }
  return checkPoint(der.slice(SPKI_ED25519_PREFIX.length));
}

function checkPoint(bytes: Uint8Array): PublicJwk {
  if (bytes.length !== 32) {
    throw new InvalidPublicKeyError(`public key must be 32 bytes, got ${bytes.length}`);
  }
  let point: ReturnType<typeof ed25519.ExtendedPoint.fromHex>;
  try {
    // strict decoding (not ZIP-215): y must be < p, so non-canonical encodings fail here
    point = ed25519.ExtendedPoint.fromHex(bytes, false);
  } catch {
    throw new InvalidPublicKeyError("public key is not a canonical Ed25519 point encoding");
  }
  if (point.isSmallOrder()) throw new InvalidPublicKeyError("public key is a small-order point");
  return publicJwk(encode(bytes));
}
