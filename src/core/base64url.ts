import { base64url } from "jose";

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Is this base64url with a possible length and zero pad bits? Assumes the alphabet was
 * already checked. jose decodes leniently (padding, whitespace, `+/`, stray pad bits), so
 * Signet checks this first.
 */
export function hasStrictPadding(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = segment.charCodeAt(segment.length - 1);
  // the last character's index in the alphabet must leave its unused low bits zero:
  // a multiple of 16 with 2 characters left over, of 4 with 3
  const index =
    last === 95 ? 63 : last === 45 ? 62 : last >= 97 ? last - 71 : last >= 65 ? last - 65 : last + 4;
  return index % (rest === 2 ? 16 : 4) === 0;
}

/** Strict base64url: the alphabet only, no padding, zero pad bits; null for anything else. */
export function decodeStrict(segment: string): Uint8Array | null {
  if (!SEGMENT.test(segment) || !hasStrictPadding(segment)) return null;
  return base64url.decode(segment);
}

export const encode = (bytes: Uint8Array): string => base64url.encode(bytes);
