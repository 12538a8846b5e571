import { base64url } from "jose";

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Strict base64url: the alphabet only, no padding, and zero pad bits. jose decodes
 * leniently (padding, whitespace, `+/`), so this check runs first.
 */
export function decodeStrict(segment: string): Uint8Array | null {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) return null;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(segment);
  } catch {
    return null;
  }
  return base64url.encode(bytes) === segment ? bytes : null;
}

export const encode = (bytes: Uint8Array): string => base64url.encode(bytes);
