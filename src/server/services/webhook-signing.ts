import { importPKCS8, SignJWT } from "jose";
import { decodeStrict, encode } from "../../core/base64url.js";
import { seedFromPrivateKeyPem } from "../../core/credentials.js";
import { type CryptoProvider, webCryptoProvider } from "../../core/crypto-provider.js";
import {
  fingerprint,
  generateKeyPair,
  type PublicJwk,
  pkcs8FromSeed,
  publicJwkFromSeed,
} from "../../core/keys.js";
import { toPem } from "../../core/pem.js";
import type { WebhookStore } from "../../store/ports.js";

/** The JWS `typ` of a webhook signature. */
export const WEBHOOK_SIGNATURE_TYP = "signet-webhook+jwt";

/** A published verification key: the public half only, with its `kid`. */
export interface WebhookJwk extends PublicJwk {
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

interface SigningKey {
  kid: string;
  jwk: WebhookJwk;
  privateKey: Promise<CryptoKey>;
}

export interface WebhookSignerOptions {
  store: WebhookStore;
  clock: { now(): number };
  crypto?: CryptoProvider;
  /**
   * The operator's own key (SIGNET_WEBHOOK_SIGNING_KEY): a PKCS#8 PEM or the 32-byte seed in
   * base64url. Without it, a key is made on first use and kept in the database.
   */
  configuredKey?: string | undefined;
}

/** Parses SIGNET_WEBHOOK_SIGNING_KEY: PKCS#8 PEM or a base64url seed. Throws one clear line. */
export function parseWebhookSigningKey(value: string): Uint8Array {
  const trimmed = value.trim();
  if (trimmed.includes("-----BEGIN")) return seedFromPrivateKeyPem(trimmed.replace(/\\n/g, "\n"));
  const seed = decodeStrict(trimmed);
  if (seed?.length === 32) return seed;
  throw new Error("must be an Ed25519 PKCS#8 PEM or a 32-byte seed in base64url (43 characters)");
}

async function signingKeyFromSeed(provider: CryptoProvider, seed: Uint8Array): Promise<SigningKey> {
  const publicKey = await publicJwkFromSeed(provider, seed);
  const kid = await fingerprint(publicKey);
  return {
    kid,
    jwk: { ...publicKey, kid, alg: "EdDSA", use: "sig" },
    privateKey: importPKCS8(toPem("PRIVATE KEY", pkcs8FromSeed(seed)), "EdDSA"),
  };
}

export interface WebhookSigner {
  /** The key deliveries are signed with now. */
  current(): Promise<{ kid: string }>;
  /** The JWK Set receivers verify with (every key that may have signed a recent delivery). */
  jwks(): Promise<{ keys: WebhookJwk[] }>;
  /** A compact JWS (JWT) over `claims`, typ signet-webhook+jwt, kid = the key's thumbprint. */
  sign(claims: Record<string, unknown>): Promise<string>;
}

/**
 * The server's own webhook signing key. It is not a customer key: it can sign webhook
 * events and nothing else, so unlike customer keys it may live on the server. It comes from
 * the configuration, or is made once and stored (the oldest stored key wins when several
 * instances race on first use).
 */
export function createWebhookSigner(options: WebhookSignerOptions): WebhookSigner {
  const provider = options.crypto ?? webCryptoProvider;
  const configured = options.configuredKey
    ? signingKeyFromSeed(provider, parseWebhookSigningKey(options.configuredKey))
    : null;
  let stored: Promise<SigningKey[]> | null = null;

  async function loadStored(create: boolean): Promise<SigningKey[]> {
    let rows = await options.store.listSigningKeys();
    if (rows.length === 0 && create) {
      const pair = await generateKeyPair(provider);
      pair.seed.fill(0);
      await options.store.addSigningKey({
        id: await fingerprint(pair.publicJwk),
        privateKey: pair.privateKeyPem,
        createdAt: new Date(options.clock.now()),
      });
      rows = await options.store.listSigningKeys();
    }
    return Promise.all(
      rows.map((row) => signingKeyFromSeed(provider, seedFromPrivateKeyPem(row.privateKey))),
    );
  }

  /** Stored keys, made on first use when no key is configured; cached once found. */
  function storedKeys(): Promise<SigningKey[]> {
    if (!stored) {
      stored = loadStored(!configured).then(
        (keys) => {
          if (keys.length === 0) stored = null; // look again next time
          return keys;
        },
        (error: unknown) => {
          stored = null;
          throw error;
        },
      );
    }
    return stored;
  }

  async function currentKey(): Promise<SigningKey> {
    if (configured) return configured;
    const [oldest] = await storedKeys();
    if (!oldest) throw new Error("no webhook signing key");
    return oldest;
  }

  return {
    async current() {
      return { kid: (await currentKey()).kid };
    },
    async jwks() {
      const keys = [...(configured ? [await configured] : []), ...(await storedKeys())];
      const seen = new Set<string>();
      return { keys: keys.filter((k) => !seen.has(k.kid) && seen.add(k.kid)).map((k) => k.jwk) };
    },
    async sign(claims) {
      const key = await currentKey();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", typ: WEBHOOK_SIGNATURE_TYP, kid: key.kid })
        .sign(await key.privateKey);
    },
  };
}

/** base64url(SHA-256(body)): what the signature's `body_sha256` claim holds. */
export async function bodyDigest(body: string): Promise<string> {
  return encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body))));
}
