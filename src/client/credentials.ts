import {
  decodeCredential,
  InvalidCredentialsError,
  isKeyId,
  parseCredentialsFile,
  seedFromPrivateKeyPem,
} from "../core/index.js";

/** A loaded key: what the signer needs. The seed never leaves this process. */
export interface Credentials {
  keyId: string;
  accountId?: string | undefined;
  audience?: string | undefined;
  seed: Uint8Array;
}

export type CredentialsSource =
  | string
  | Record<string, unknown>
  | { privateKeyPem: string; keyId: string; audience?: string };

function fromText(text: string): Credentials {
  const trimmed = text.trim();
  if (trimmed.startsWith("signet_sk_")) return decodeCredential(trimmed);
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new InvalidCredentialsError("credentials file is not valid JSON");
    }
    return parseCredentialsFile(parsed);
  }
  throw new InvalidCredentialsError("expected a credentials JSON file or a signet_sk_ credential");
}

function readEnv(name: string): string | undefined {
  // Only where a process environment exists (Node, Bun, Deno's compat): the SDK also runs elsewhere.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name];
}

/**
 * Loads credentials from: a credentials file object; `{ privateKeyPem, keyId }`; a one-line
 * `signet_sk_…` credential or the file's JSON text; a path to the file (Node); or, with no
 * argument, the `SIGNET_CREDENTIALS` environment variable (any of the text forms or a path).
 */
export async function loadCredentials(source?: CredentialsSource): Promise<Credentials> {
  const input = source ?? readEnv("SIGNET_CREDENTIALS");
  if (input === undefined || input === "") {
    throw new InvalidCredentialsError("no credentials given and SIGNET_CREDENTIALS is not set");
  }
  if (typeof input === "object") {
    if ("privateKeyPem" in input && typeof input.privateKeyPem === "string") {
      const keyId = input.keyId;
      if (!isKeyId(keyId)) throw new InvalidCredentialsError("keyId is missing or malformed");
      return {
        keyId,
        audience: input.audience as string | undefined,
        seed: seedFromPrivateKeyPem(input.privateKeyPem),
      };
    }
    return parseCredentialsFile(input);
  }
  const trimmed = input.trim();
  if (trimmed.startsWith("signet_sk_") || trimmed.startsWith("{")) return fromText(trimmed);
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(trimmed, "utf8");
  } catch (error) {
    throw new InvalidCredentialsError(
      `cannot read credentials file ${trimmed}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  return fromText(text);
}
