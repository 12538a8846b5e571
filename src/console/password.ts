/**
 * Console passwords: Argon2id in a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`)
 * that both runtimes read. Node hashes with a native binding (src/entry/password-node.ts);
 * Workers with @noble/hashes (pure JS, below). Each verifies the other's hashes.
 */
import { argon2idAsync } from "@noble/hashes/argon2";

export interface PasswordHasher {
  /** A PHC string for the password (a fresh random salt each time). */
  hash(password: string): Promise<string>;
  /** True when the password matches the PHC string; false for a mismatch or an unreadable string. */
  verify(phc: string, password: string): Promise<boolean>;
}

/** OWASP's minimum for Argon2id: 19 MiB, two passes, one lane. */
export const ARGON2ID_PARAMS = { m: 19456, t: 2, p: 1 } as const;
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;
/** Stored parameters beyond these are refused rather than computed (a hostile row must not stall us). */
const LIMITS = { m: 262_144, t: 10, p: 4 };

export interface ParsedPhc {
  m: number;
  t: number;
  p: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** PHC's base64: the standard alphabet without padding. */
export function phcBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += B64[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

export function phcBase64Decode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const ch of text) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 255;
    }
  }
  return out;
}

/** Reads `$argon2id$v=19$m=…,t=…,p=…$salt$hash`; null for anything else. */
export function parsePhc(phc: string): ParsedPhc | null {
  const match =
    /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) return null;
  const [, m, t, p, saltText, hashText] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const params = { m: Number(m), t: Number(t), p: Number(p) };
  if (params.t < 1 || params.p < 1 || params.m < 8 * params.p) return null;
  if (params.m > LIMITS.m || params.t > LIMITS.t || params.p > LIMITS.p) return null;
  const salt = phcBase64Decode(saltText);
  const hash = phcBase64Decode(hashText);
  if (!salt || !hash || salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { ...params, salt, hash };
}

export function formatPhc(
  params: { m: number; t: number; p: number },
  salt: Uint8Array,
  hash: Uint8Array,
): string {
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${phcBase64(salt)}$${phcBase64(hash)}`;
}

/** Compares in time independent of where the bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Argon2id in pure JavaScript (@noble/hashes): runs anywhere, including Cloudflare Workers. */
export function createPortablePasswordHasher(
  params: { m: number; t: number; p: number } = ARGON2ID_PARAMS,
): PasswordHasher {
  const encoder = new TextEncoder();
  return {
    async hash(password) {
      const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
      const hash = await argon2idAsync(encoder.encode(password), salt, { ...params, dkLen: HASH_BYTES });
      return formatPhc(params, salt, hash);
    },
    async verify(phc, password) {
      const parsed = parsePhc(phc);
      if (!parsed) return false;
      const computed = await argon2idAsync(encoder.encode(password), parsed.salt, {
        m: parsed.m,
        t: parsed.t,
        p: parsed.p,
        dkLen: parsed.hash.length,
      });
      return constantTimeEqual(computed, parsed.hash);
    },
  };
}
