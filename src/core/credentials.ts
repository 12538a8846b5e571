import { decodeStrict, encode } from "./base64url.js";
import { crc32 } from "./crc32.js";
import { InvalidCredentialsError } from "./errors.js";
import { crockfordEncode, isAccountId, isKeyId } from "./ids.js";
import { pkcs8FromSeed, seedFromPkcs8 } from "./keys.js";
import { fromPem, toPem } from "./pem.js";

/** The file handed to a user exactly once (DESIGN §2). */
export interface CredentialsFile {
  type: "signet_service_key";
  key_id: string;
  account_id: string;
  audience: string;
  scopes: string[];
  private_key: string;
  credential: string;
}

export const CREDENTIAL_PREFIX = "signet_sk_";
/**
 * `signet_sk_` + the key id's 26 characters + the 43-character base64url seed + a 7-character
 * Crockford CRC-32 of everything before it. Fixed widths, so no separator is needed.
 */
export const CREDENTIAL_PATTERN =
  /^signet_sk_([0-9A-HJKMNP-TV-Z]{26})([A-Za-z0-9_-]{43})([0-9A-HJKMNP-TV-Z]{7})$/;

function checksum(body: string): string {
  const crc = crc32(body);
  return crockfordEncode(Uint8Array.of(crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255), 7);
}

export function encodeCredential(keyId: string, seed: Uint8Array): string {
  if (!isKeyId(keyId)) throw new InvalidCredentialsError("key id has the wrong format");
  const body = `${CREDENTIAL_PREFIX}${keyId.slice(4)}${encode(seed)}`;
  return body + checksum(body);
}

export function decodeCredential(line: string): { keyId: string; seed: Uint8Array } {
  const match = CREDENTIAL_PATTERN.exec(line.trim());
  if (!match) throw new InvalidCredentialsError("credential is not a signet_sk_ one-line credential");
  const [, idBody, seedText, sum] = match as unknown as [string, string, string, string];
  if (checksum(`${CREDENTIAL_PREFIX}${idBody}${seedText}`) !== sum) {
    throw new InvalidCredentialsError("credential checksum does not match (truncated or mistyped?)");
  }
  const seed = decodeStrict(seedText);
  if (seed?.length !== 32) throw new InvalidCredentialsError("credential seed is not 32 bytes");
  return { keyId: `key_${idBody}`, seed };
}

export function buildCredentialsFile(input: {
  keyId: string;
  accountId: string;
  audience: string;
  scopes: string[];
  seed: Uint8Array;
}): CredentialsFile {
  return {
    type: "signet_service_key",
    key_id: input.keyId,
    account_id: input.accountId,
    audience: input.audience,
    scopes: [...input.scopes],
    private_key: toPem("PRIVATE KEY", pkcs8FromSeed(input.seed)),
    credential: encodeCredential(input.keyId, input.seed),
  };
}

/** Reads a credentials file object; checks it hangs together without trusting it. */
export function parseCredentialsFile(value: unknown): {
  keyId: string;
  accountId?: string;
  audience?: string;
  seed: Uint8Array;
} {
  if (value === null || typeof value !== "object")
    throw new InvalidCredentialsError("credentials must be a JSON object");
  const file = value as Record<string, unknown>;
  if (file.type !== "signet_service_key")
    throw new InvalidCredentialsError('credentials.type must be "signet_service_key"');
  if (!isKeyId(file.key_id)) throw new InvalidCredentialsError("credentials.key_id is missing or malformed");
  if (file.account_id !== undefined && !isAccountId(file.account_id)) {
    throw new InvalidCredentialsError("credentials.account_id is malformed");
  }
  let seed: Uint8Array | null = null;
  if (typeof file.private_key === "string") {
    const der = fromPem("PRIVATE KEY", file.private_key);
    seed = der ? seedFromPkcs8(der) : null;
    if (!seed) throw new InvalidCredentialsError("credentials.private_key is not an Ed25519 PKCS#8 PEM");
  } else if (typeof file.credential === "string") {
    const decoded = decodeCredential(file.credential);
    if (decoded.keyId !== file.key_id)
      throw new InvalidCredentialsError("credentials.credential belongs to another key");
    seed = decoded.seed;
  } else {
    throw new InvalidCredentialsError("credentials has neither private_key nor credential");
  }
  return {
    keyId: file.key_id,
    accountId: file.account_id as string | undefined,
    audience: typeof file.audience === "string" ? file.audience : undefined,
    seed,
  };
}

/** PEM (PKCS#8) plus a key id, the third accepted form. */
export function seedFromPrivateKeyPem(pem: string): Uint8Array {
  const der = fromPem("PRIVATE KEY", pem);
  const seed = der ? seedFromPkcs8(der) : null;
  if (!seed) throw new InvalidCredentialsError("private key is not an Ed25519 PKCS#8 PEM");
  return seed;
}
