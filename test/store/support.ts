/** Helpers for the store tests: real Ed25519 keys in a store, call counting, deferred promises. */
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { newAccountId, newKeyId } from "../../src/core/ids.js";
import { fingerprint, generateKeyPair } from "../../src/core/keys.js";
import type { KeyRecord, KeyStore, Store } from "../../src/store/ports.js";

export const NOW_MS = 1_700_000_000_000;

/** Creates an account in `store` and returns its id. */
export async function seedAccount(store: Store, createdAt = new Date(NOW_MS)): Promise<string> {
  const id = newAccountId();
  await store.accounts.create({ id, name: `account-${id}`, createdAt });
  return id;
}

/** Creates a key with a real Ed25519 public key; returns the record and the private key PEM. */
export async function seedKey(
  store: Store,
  accountId: string,
  createdAt = new Date(NOW_MS),
): Promise<{ record: KeyRecord; privateKeyPem: string }> {
  const pair = await generateKeyPair(webCryptoProvider);
  const record = await store.keys.create({
    id: newKeyId(),
    accountId,
    name: "test key",
    x: pair.publicJwk.x,
    fingerprint: await fingerprint(pair.publicJwk),
    scopes: ["orders:read"],
    allowedIps: [],
    reusable: false,
    maxLifetime: null,
    createdBy: "user:test",
    rotatedFrom: null,
    createdAt,
    expiresAt: null,
  });
  return { record, privateKeyPem: pair.privateKeyPem };
}

/** A KeyStore that records every `get` it is asked for. */
export function countingKeys(inner: KeyStore): KeyStore & { gets: string[] } {
  const gets: string[] = [];
  return {
    ...inner,
    gets,
    get(id) {
      gets.push(id);
      return inner.get(id);
    },
  };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
