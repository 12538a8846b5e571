/** Ids are a prefix plus 26 Crockford base32 characters carrying 128 random bits. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export const KEY_ID_PATTERN = /^key_[0-9A-HJKMNP-TV-Z]{26}$/;
export const ACCOUNT_ID_PATTERN = /^acc_[0-9A-HJKMNP-TV-Z]{26}$/;
export const EVENT_ID_PATTERN = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Encodes bytes as Crockford base32, most significant bit first. */
export function crockfordEncode(bytes: Uint8Array, length: number): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = "";
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

function randomBody(): string {
  return crockfordEncode(crypto.getRandomValues(new Uint8Array(16)), 26);
}

export const newKeyId = (): string => `key_${randomBody()}`;
export const newAccountId = (): string => `acc_${randomBody()}`;
export const newEventId = (): string => `evt_${randomBody()}`;

export const isKeyId = (value: unknown): value is string =>
  typeof value === "string" && KEY_ID_PATTERN.test(value);
export const isAccountId = (value: unknown): value is string =>
  typeof value === "string" && ACCOUNT_ID_PATTERN.test(value);
