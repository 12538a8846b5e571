/**
 * Reading and checking the console's forms. Every field is validated on the server and each
 * problem is reported against its field; nothing is written until the whole form is valid.
 */
import { SignetError } from "../core/errors.js";
import { normalizeCidr } from "../core/ip.js";
import { parsePublicKey } from "../core/public-key.js";
import { assertScope } from "../core/scopes.js";
import type { FieldErrors } from "./views/components.js";

export type FormBody = Record<string, string | File | (string | File)[]>;

/** A text field of a parsed form body ("" when absent or not text). */
export function text(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : "";
}

/** Splits on commas, spaces and new lines; drops empties. */
export const splitList = (value: string): string[] =>
  value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export const EXPIRY_CHOICES = [
  { value: "never", label: "Never" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 1 year" },
  { value: "date", label: "On a date…" },
] as const;

export type Generation = "server" | "browser" | "upload";

export interface KeyFormValues {
  name: string;
  scopes: string;
  expires: string;
  expires_on: string;
  allowed_ips: string;
  generation: Generation;
  public_key: string;
  reusable: boolean;
}

export const emptyKeyForm: KeyFormValues = {
  name: "",
  scopes: "",
  expires: "90",
  expires_on: "",
  allowed_ips: "",
  generation: "server",
  public_key: "",
  reusable: false,
};

export function readKeyForm(body: FormBody): KeyFormValues {
  const generation = text(body, "generation");
  return {
    name: text(body, "name"),
    scopes: text(body, "scopes"),
    expires: text(body, "expires") || "never",
    expires_on: text(body, "expires_on"),
    allowed_ips: text(body, "allowed_ips"),
    generation: generation === "browser" || generation === "upload" ? generation : "server",
    public_key: text(body, "public_key"),
    reusable: text(body, "reusable") === "on",
  };
}

/** "2027-01-31" → that day at 00:00 UTC, or null when it is not a real date. */
export function parseDay(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : null;
}

const NAME_MAX = 100;

export function checkName(value: string, errors: FieldErrors): string {
  const name = value.trim();
  if (!name) errors.name = "Enter a name, for example “billing-service production”.";
  else if (name.length > NAME_MAX) errors.name = `Use at most ${NAME_MAX} characters for the name.`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  else if (/[\u0000-\u001f\u007f]/.test(name)) errors.name = "The name cannot contain control characters.";
  return name;
}

export function checkScopes(value: string, errors: FieldErrors): string[] {
  const scopes = [...new Set(splitList(value))];
  if (scopes.length === 0) {
    errors.scopes = "Enter at least one scope, for example orders:read.";
  } else if (scopes.length > 100) {
    errors.scopes = "Use at most 100 scopes.";
  } else {
    const bad = scopes.find((scope) => {
      try {
        assertScope(scope);
        return false;
      } catch {
        return true;
      }
    });
    if (bad !== undefined) {
      errors.scopes = `“${bad.slice(0, 60)}” is not a scope: use resource:action in lower case, like orders:read or orders:*.`;
    }
  }
  return scopes;
}

export function checkIps(value: string, errors: FieldErrors): string[] {
  const ranges = splitList(value);
  if (ranges.length > 100) {
    errors.allowed_ips = "Use at most 100 ranges.";
    return [];
  }
  const out: string[] = [];
  for (const range of ranges) {
    try {
      out.push(normalizeCidr(range));
    } catch {
      errors.allowed_ips = `“${range.slice(0, 60)}” is not an IP address or CIDR range (like 203.0.113.0/24).`;
      return [];
    }
  }
  return [...new Set(out)];
}

/** The expiry chosen on the create form (a preset or a date); null means never. */
export function checkCreateExpiry(values: KeyFormValues, now: number, errors: FieldErrors): Date | null {
  if (values.expires === "never") return null;
  if (values.expires === "date") {
    const day = parseDay(values.expires_on);
    if (!day) {
      errors.expires_on = "Enter the expiry date as a full date.";
      return null;
    }
    if (day.getTime() <= now) {
      errors.expires_on = "The expiry date must be in the future.";
      return null;
    }
    return day;
  }
  const days = Number(values.expires);
  if (!EXPIRY_CHOICES.some((c) => c.value === values.expires) || !Number.isInteger(days)) {
    errors.expires = "Choose when the key expires.";
    return null;
  }
  return new Date(now + days * 86_400_000);
}

/** The expiry on the edit form: a date, or empty for never. */
export function checkEditExpiry(value: string, now: number, errors: FieldErrors): Date | null {
  if (!value.trim()) return null;
  const day = parseDay(value);
  if (!day) {
    errors.expires_on = "Enter the expiry date as a full date, or leave it empty for no expiry.";
    return null;
  }
  if (day.getTime() <= now) {
    errors.expires_on = "The expiry date must be in the future.";
    return null;
  }
  return day;
}

/** A pasted (or browser-made) public key: a JWK as JSON, or SPKI PEM. */
export function checkPublicKey(values: KeyFormValues, errors: FieldErrors): unknown {
  if (values.generation === "server") return undefined;
  const raw = values.public_key.trim();
  if (!raw) {
    errors.public_key =
      values.generation === "browser"
        ? "Your browser did not send a public key. Turn on JavaScript or let Signet generate the key."
        : "Paste the public key (a JWK or a PEM “PUBLIC KEY” block).";
    return undefined;
  }
  if (raw.length > 4096) {
    errors.public_key = "That public key is too long.";
    return undefined;
  }
  let input: unknown = raw;
  if (raw.startsWith("{")) {
    try {
      input = JSON.parse(raw);
    } catch {
      errors.public_key = "The JWK is not valid JSON.";
      return undefined;
    }
  }
  try {
    parsePublicKey(input);
  } catch (error) {
    errors.public_key =
      error instanceof SignetError
        ? `Not a usable Ed25519 public key: ${error.message.replace(/^public_key:?\s*/, "")}.`
        : "Not a usable Ed25519 public key.";
    return undefined;
  }
  return input;
}

/** Maps a key service field name to the form field that shows it. */
export function formFieldFor(serviceField: unknown, form: "create" | "edit"): string {
  switch (serviceField) {
    case "name":
    case "scopes":
    case "allowed_ips":
    case "public_key":
      return serviceField;
    case "expires_at":
      return form === "create" ? "expires" : "expires_on";
    default:
      return "form";
  }
}

/** A `next` that stays inside the console (no open redirects). */
export function safeNext(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^\/console\/[A-Za-z0-9/_?=&.-]*$/.test(value) && !value.startsWith("//") ? value : undefined;
}
