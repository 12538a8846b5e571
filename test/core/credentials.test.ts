import { importJWK, importPKCS8, jwtVerify, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildCredentialsFile,
  CREDENTIAL_PATTERN,
  CREDENTIAL_PREFIX,
  type CredentialsFile,
  decodeCredential,
  encodeCredential,
  parseCredentialsFile,
  seedFromPrivateKeyPem,
} from "../../src/core/credentials.js";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { InvalidCredentialsError } from "../../src/core/errors.js";
import { newAccountId, newKeyId } from "../../src/core/ids.js";
import { type GeneratedKeyPair, generateKeyPair, publicJwkFromSeed } from "../../src/core/keys.js";

const AUDIENCE = "https://api.example.com";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

let pair: GeneratedKeyPair;
let keyId: string;
let accountId: string;
let file: CredentialsFile;

beforeAll(async () => {
  pair = await generateKeyPair(webCryptoProvider);
  keyId = newKeyId();
  accountId = newAccountId();
  file = buildCredentialsFile({
    keyId,
    accountId,
    audience: AUDIENCE,
    scopes: ["orders:read"],
    seed: pair.seed,
  });
});

function expectInvalid(run: () => unknown, message: RegExp) {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidCredentialsError);
  expect((caught as InvalidCredentialsError).code).toBe("invalid_credentials");
  expect((caught as Error).message).toMatch(message);
}

/** Replaces the character at `index` with another one from the same alphabet. */
function flipAt(text: string, index: number, alphabet: string): string {
  const current = text[index] as string;
  const replacement = alphabet[(alphabet.indexOf(current) + 1) % alphabet.length] as string;
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe("the credentials file", () => {
  it("has the documented shape", () => {
    expect(file).toEqual({
      type: "signet_service_key",
      key_id: keyId,
      account_id: accountId,
      audience: AUDIENCE,
      scopes: ["orders:read"],
      private_key: expect.stringMatching(
        /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/,
      ),
      credential: expect.stringMatching(CREDENTIAL_PATTERN),
    });
  });

  it("round-trips through JSON and parseCredentialsFile", () => {
    const parsed = parseCredentialsFile(JSON.parse(JSON.stringify(file)));
    expect(parsed).toEqual({ keyId, accountId, audience: AUDIENCE, seed: pair.seed });
  });

  it("parses a file holding only the one-line credential", () => {
    const { private_key: _omitted, ...rest } = file;
    expect(parseCredentialsFile(rest).seed).toEqual(pair.seed);
  });

  it("copies the scopes rather than sharing the caller's array", () => {
    const scopes = ["orders:read"];
    const built = buildCredentialsFile({ keyId, accountId, audience: AUDIENCE, scopes, seed: pair.seed });
    scopes.push("orders:write");
    expect(built.scopes).toEqual(["orders:read"]);
  });

  it("its private_key loads in jose and signs what the generated public key verifies", async () => {
    const privateKey = await importPKCS8(file.private_key, "EdDSA");
    const token = await new SignJWT({ sub: keyId })
      .setProtectedHeader({ alg: "EdDSA", typ: "signet+jwt", kid: keyId })
      .sign(privateKey);
    const publicKey = await importJWK(pair.publicJwk, "EdDSA");
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: ["EdDSA"] });
    expect(payload.sub).toBe(keyId);
    expect(protectedHeader.kid).toBe(keyId);
  });

  it("its private_key does not verify under another key pair", async () => {
    const other = await generateKeyPair(webCryptoProvider);
    const token = await new SignJWT({ sub: keyId })
      .setProtectedHeader({ alg: "EdDSA" })
      .sign(await importPKCS8(file.private_key, "EdDSA"));
    await expect(jwtVerify(token, await importJWK(other.publicJwk, "EdDSA"))).rejects.toThrow();
  });

  it("the PEM + key id form gives the same seed", () => {
    expect(seedFromPrivateKeyPem(file.private_key)).toEqual(pair.seed);
  });

  it.each<[string, () => unknown, RegExp]>([
    ["null", () => null, /JSON object/],
    ["a string", () => "signet_sk_...", /JSON object/],
    ["the wrong type", () => ({ ...file, type: "service_account" }), /type/],
    ["a malformed key_id", () => ({ ...file, key_id: "key_123" }), /key_id/],
    ["a malformed account_id", () => ({ ...file, account_id: "acc_" }), /account_id/],
    ["a non-PEM private_key", () => ({ ...file, private_key: "not a key" }), /private_key/],
    [
      "a private_key whose DER prefix is not Ed25519 PKCS#8",
      () => ({ ...file, private_key: file.private_key.replace("MC4CAQ", "MC8CAQ") }),
      /private_key/,
    ],
    ["no key material at all", () => ({ ...file, private_key: undefined, credential: undefined }), /neither/],
    [
      "a credential for another key",
      () => ({ ...file, private_key: undefined, credential: encodeCredential(newKeyId(), pair.seed) }),
      /another key/,
    ],
  ])("parseCredentialsFile rejects %s", (_name, value, message) => {
    expectInvalid(() => parseCredentialsFile(value()), message);
  });
});

describe("the one-line credential", () => {
  it("matches CREDENTIAL_PATTERN and carries the key id", () => {
    const line = encodeCredential(keyId, pair.seed);
    expect(line.startsWith(CREDENTIAL_PREFIX)).toBe(true);
    const match = CREDENTIAL_PATTERN.exec(line);
    expect(match?.[1]).toBe(keyId.slice(4));
    expect(line).toHaveLength(CREDENTIAL_PREFIX.length + 26 + 43 + 7);
  });

  it("round-trips through decodeCredential", () => {
    expect(decodeCredential(encodeCredential(keyId, pair.seed))).toEqual({ keyId, seed: pair.seed });
  });

  it("tolerates surrounding whitespace (as pasted from an env file)", () => {
    expect(decodeCredential(`  ${encodeCredential(keyId, pair.seed)}\n`).seed).toEqual(pair.seed);
  });

  it("round-trips an all-zero and an all-0xff seed", () => {
    for (const seed of [new Uint8Array(32), new Uint8Array(32).fill(255)]) {
      expect(decodeCredential(encodeCredential(keyId, seed)).seed).toEqual(seed);
    }
  });

  it("is deterministic for one key and seed", () => {
    expect(encodeCredential(keyId, pair.seed)).toBe(encodeCredential(keyId, pair.seed));
  });

  it.each([
    ["key id", CREDENTIAL_PREFIX.length + 3, CROCKFORD],
    ["seed (first character)", CREDENTIAL_PREFIX.length + 26, BASE64URL],
    ["seed (middle)", CREDENTIAL_PREFIX.length + 26 + 20, BASE64URL],
    ["checksum", CREDENTIAL_PREFIX.length + 26 + 43 + 6, CROCKFORD],
  ])("a flipped character in the %s fails the checksum", (_name, index, alphabet) => {
    const line = encodeCredential(keyId, pair.seed);
    const flipped = flipAt(line, index, alphabet);
    expect(flipped).not.toBe(line);
    expect(flipped).toMatch(CREDENTIAL_PATTERN);
    expectInvalid(() => decodeCredential(flipped), /checksum/);
  });

  it("every single-character substitution anywhere after the prefix is caught", () => {
    const line = encodeCredential(keyId, pair.seed);
    let tried = 0;
    for (let i = CREDENTIAL_PREFIX.length; i < line.length; i++) {
      const alphabet =
        i >= CREDENTIAL_PREFIX.length + 26 && i < CREDENTIAL_PREFIX.length + 69 ? BASE64URL : CROCKFORD;
      const flipped = flipAt(line, i, alphabet);
      if (!CREDENTIAL_PATTERN.test(flipped)) continue;
      tried++;
      expect(() => decodeCredential(flipped)).toThrow(InvalidCredentialsError);
    }
    expect(tried).toBe(26 + 43 + 7);
  });

  it.each([
    ["a truncated line", (line: string) => line.slice(0, -1)],
    ["another prefix", (line: string) => line.replace("signet_sk_", "signet_pk_")],
    [
      "a lower-case key id",
      (line: string) =>
        line.replace(/^signet_sk_(.{26})/, (_m, id: string) => `signet_sk_${id.toLowerCase()}`),
    ],
    ["an extra character", (line: string) => `${line}0`],
  ])("rejects %s as not a credential", (_name, mangle) => {
    const line = encodeCredential(keyId, pair.seed);
    expectInvalid(() => decodeCredential(mangle(line)), /not a signet_sk_/);
  });

  it("encodeCredential refuses a malformed key id", () => {
    expectInvalid(() => encodeCredential("acc_0123456789ABCDEFGHJKMNPQRS", pair.seed), /key id/);
  });
});

describe("publicJwkFromSeed", () => {
  it("derives the same public key as generateKeyPair", async () => {
    expect(await publicJwkFromSeed(webCryptoProvider, pair.seed)).toEqual(pair.publicJwk);
  });

  it("derives it from the seed inside a decoded one-line credential", async () => {
    const { seed } = decodeCredential(file.credential);
    expect((await publicJwkFromSeed(webCryptoProvider, seed)).x).toBe(pair.publicJwk.x);
  });

  it("matches RFC 8032 test 1 (known seed, known public key)", async () => {
    const seed = Uint8Array.from(
      Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex"),
    );
    const x = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex").toString(
      "base64url",
    );
    expect(await publicJwkFromSeed(webCryptoProvider, seed)).toEqual({ kty: "OKP", crv: "Ed25519", x });
  });
});
