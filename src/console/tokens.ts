import { decodeStrict, encode } from "../core/base64url.js";
import { crockfordEncode } from "../core/ids.js";

/** 256 random bits, base64url (43 characters): session ids, sign-in link tokens, CSRF cookies. */
export function randomToken(): string {
  return encode(crypto.getRandomValues(new Uint8Array(32)));
}

/** A well-formed token (what randomToken makes); checked before anything is hashed or looked up. */
export const isToken = (value: unknown): value is string =>
  typeof value === "string" && value.length === 43 && decodeStrict(value)?.length === 32;

/** SHA-256, base64url: what the database keeps instead of a session id or link token. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encode(new Uint8Array(digest));
}

/** The CSRF token that goes with a session: derived, so nothing more is stored, and not its stored hash. */
export function csrfForSession(sessionId: string): Promise<string> {
  return sha256(`signet-console-csrf\0${sessionId}`);
}

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export const USER_ID_PATTERN = /^usr_[0-9A-HJKMNP-TV-Z]{26}$/;
export const newUserId = (): string =>
  `usr_${crockfordEncode(crypto.getRandomValues(new Uint8Array(16)), 26)}`;
export const isUserId = (value: unknown): value is string =>
  typeof value === "string" && USER_ID_PATTERN.test(value);
