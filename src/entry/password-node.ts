import { hash, verify } from "@node-rs/argon2";
import { ARGON2ID_PARAMS, HASH_BYTES, type PasswordHasher, parsePhc } from "../console/password.js";

/**
 * Argon2id on Node through a native prebuilt binding (@node-rs/argon2), off the event loop.
 * Writes the same PHC strings the portable hasher reads, and reads its strings too.
 */
export function createNodePasswordHasher(
  params: { m: number; t: number; p: number } = ARGON2ID_PARAMS,
): PasswordHasher {
  return {
    hash: (password) =>
      hash(password, {
        // the binding's default algorithm is Argon2id, version 0x13 (its `Algorithm` is an ambient const enum)
        memoryCost: params.m,
        timeCost: params.t,
        parallelism: params.p,
        outputLen: HASH_BYTES,
      }),
    async verify(phc, password) {
      // the same bounds as the portable hasher: a hostile stored string is refused, not computed
      if (!parsePhc(phc)) return false;
      try {
        return await verify(phc, password);
      } catch {
        return false;
      }
    },
  };
}
