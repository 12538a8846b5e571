/**
 * The Node-only signature path (node:crypto verify with imported KeyObjects) must accept and
 * refuse exactly what the jose / Web Crypto path does: the same vectors, the same verifier.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { newKeyId } from "../../src/core/ids.js";
import { fingerprint, generateKeyPair, publicJwk, publicJwkFromSeed } from "../../src/core/keys.js";
import { joseSignatureVerifier } from "../../src/core/signature.js";
import { selectCrypto } from "../../src/entry/crypto.js";
import { nodeCryptoProvider, nodeSignatureVerifier } from "../../src/entry/node-crypto.js";
import {
  claimsFor,
  createHarness,
  hexToBytes,
  newTestKey,
  requestWith,
  signJwt,
  signRaw,
} from "../core/support.js";
import { TESTDATA } from "../support/testdata.js";

interface WycheproofFile {
  testGroups: Array<{
    publicKey: { pk: string };
    tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string }>;
  }>;
}
const wycheproof = JSON.parse(
  readFileSync(`${TESTDATA}/wycheproof/ed25519_test.json`, "utf8"),
) as WycheproofFile;
const VECTORS = wycheproof.testGroups.flatMap((group) =>
  group.tests.map((test) => ({
    ...test,
    pk: group.publicKey.pk,
    label: `tcId ${test.tcId}: ${test.comment || "-"}`,
  })),
);
const speccheck = JSON.parse(readFileSync(`${TESTDATA}/ed25519-speccheck/cases.json`, "utf8")) as Array<{
  message: string;
  pub_key: string;
  signature: string;
}>;

const xOf = (hex: string) => Buffer.from(hex, "hex").toString("base64url");

/** Raw verification through the Node path; an import failure counts as "no", as for Web Crypto. */
async function nodeRawVerify(publicKeyHex: string, signatureHex: string, messageHex: string) {
  let key: unknown;
  try {
    key = await nodeSignatureVerifier.importKey(xOf(publicKeyHex));
  } catch {
    return false;
  }
  return nodeSignatureVerifier.verifyRaw(key, hexToBytes(messageHex), hexToBytes(signatureHex));
}

describe("node:crypto signature verifier: Wycheproof ed25519_test.json", () => {
  it("has the 151 vectors", () => {
    expect(VECTORS).toHaveLength(151);
  });

  it.each(VECTORS)("$label ($result)", async (vector) => {
    expect(await nodeRawVerify(vector.pk, vector.sig, vector.msg)).toBe(vector.result === "valid");
  });
});

describe("node:crypto signature verifier: speccheck edge cases", () => {
  it("accepts exactly the cases Node's Web Crypto accepts (0-3 and 11; registration refuses those keys)", async () => {
    const accepted: number[] = [];
    for (const [index, c] of speccheck.entries()) {
      if (await nodeRawVerify(c.pub_key, c.signature, c.message)) accepted.push(index);
    }
    expect(accepted).toEqual([0, 1, 2, 3, 11]);
  });
});

describe("node:crypto signature verifier: tokens", () => {
  it("verifies a jose-signed token and refuses tampered, foreign and malformed ones", async () => {
    const key = await newTestKey(webCryptoProvider);
    const other = await newTestKey(webCryptoProvider);
    const verifyKey = await nodeSignatureVerifier.importKey(key.pair.publicJwk.x);
    const token = await signJwt(key, claimsFor(key.id));
    expect(await nodeSignatureVerifier.verify(token, verifyKey)).toBe(true);

    const [header, payload, signature] = token.split(".") as [string, string, string];
    const tampered = Buffer.from(JSON.stringify(claimsFor(key.id, { scope: "admin:all" }))).toString(
      "base64url",
    );
    expect(await nodeSignatureVerifier.verify(`${header}.${tampered}.${signature}`, verifyKey)).toBe(false);
    expect(await nodeSignatureVerifier.verify(`${header}.${payload}.${"A".repeat(86)}`, verifyKey)).toBe(
      false,
    );
    expect(await nodeSignatureVerifier.verify(`${header}.${payload}.***`, verifyKey)).toBe(false);
    expect(await nodeSignatureVerifier.verify(`${header}.${payload}`, verifyKey)).toBe(false);
    expect(await nodeSignatureVerifier.verify("no dots at all", verifyKey)).toBe(false);
    expect(await nodeSignatureVerifier.verify(await signJwt(other, claimsFor(key.id)), verifyKey)).toBe(
      false,
    );
    // a signature whose last character carries non-zero pad bits is not the same signature
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const flipped = alphabet[alphabet.indexOf(token.at(-1) as string) ^ 1] as string;
    expect(await nodeSignatureVerifier.verify(token.slice(0, -1) + flipped, verifyKey)).toBe(false);
  });

  it("refuses keys that are not an imported Ed25519 public KeyObject", async () => {
    const key = await newTestKey(webCryptoProvider);
    const token = await signJwt(key, claimsFor(key.id));
    const joseKey = await joseSignatureVerifier.importKey(key.pair.publicJwk.x);
    for (const wrong of [joseKey, null, undefined, key.pair.publicJwk.x, {}, key.signingKey]) {
      expect(await nodeSignatureVerifier.verify(token, wrong)).toBe(false);
    }
  });

  it("imports only 32-byte base64url public keys", async () => {
    const key = await newTestKey(webCryptoProvider);
    const x = key.pair.publicJwk.x;
    await expect(nodeSignatureVerifier.importKey(x)).resolves.toBeDefined();
    for (const bad of ["", x.slice(1), `${x}A`, `${x.slice(0, -1)}B`, `${x.slice(0, -1)}+`, `${x}=`]) {
      await expect(nodeSignatureVerifier.importKey(bad)).rejects.toThrow();
    }
  });

  it("a jose-imported key and a node-imported key agree on the same tokens", async () => {
    const key = await newTestKey(webCryptoProvider);
    const nodeKey = await nodeSignatureVerifier.importKey(key.pair.publicJwk.x);
    const joseKey = await joseSignatureVerifier.importKey(key.pair.publicJwk.x);
    for (let i = 0; i < 5; i++) {
      const token = await signJwt(key, claimsFor(key.id));
      expect(await nodeSignatureVerifier.verify(token, nodeKey)).toBe(true);
      expect(await joseSignatureVerifier.verify(token, joseKey)).toBe(true);
    }
  });
});

describe("createVerifier on the node:crypto path", () => {
  it("accepts a valid assertion, then refuses its replay", async () => {
    const h = createHarness({ signatures: nodeSignatureVerifier });
    const key = await newTestKey(webCryptoProvider);
    await h.addKey(key);
    const token = await signJwt(key, claimsFor(key.id));
    const first = await h.verify(requestWith(token, { requiredScopes: ["orders:read"] }));
    expect(first).toMatchObject({ valid: true, keyId: key.id, scopes: ["orders:read", "orders:write"] });
    expect(await h.verify(requestWith(token))).toMatchObject({ valid: false, code: "replayed_token" });
    expect(h.signatureChecks.count).toBe(2);
  });

  it("a forged signature and an unknown kid give the same generic failure", async () => {
    const h = createHarness({ signatures: nodeSignatureVerifier });
    const key = await newTestKey(webCryptoProvider);
    const stranger = await newTestKey(webCryptoProvider);
    await h.addKey(key);
    const forged = await h.verify(requestWith(await signJwt(stranger, claimsFor(key.id), { kid: key.id })));
    const unknown = await h.verify(requestWith(await signJwt(key, claimsFor(key.id), { kid: newKeyId() })));
    expect(forged).toEqual(unknown);
    expect(forged).toMatchObject({ valid: false, code: "invalid_token", status: 401, details: {} });
    expect(h.replayed.size).toBe(0);
  });

  it("refuses a bad header before checking the signature", async () => {
    const h = createHarness({ signatures: nodeSignatureVerifier });
    const key = await newTestKey(webCryptoProvider);
    await h.addKey(key);
    const token = await signRaw(
      key,
      JSON.stringify({ alg: "EdDSA", typ: "signet+jwt", kid: key.id, crit: ["exp"] }),
      JSON.stringify(claimsFor(key.id)),
    );
    expect(await h.verify(requestWith(token))).toMatchObject({ valid: false, code: "invalid_token" });
    expect(h.signatureChecks.count).toBe(0);
  });

  it("serves a reusable token from the verified-token cache after one signature check", async () => {
    const h = createHarness({ signatures: nodeSignatureVerifier });
    const key = await newTestKey(webCryptoProvider);
    await h.addKey(key, { reusable: true });
    const token = await signJwt(key, claimsFor(key.id, { jti: undefined, htm: undefined, htu: undefined }));
    for (let i = 0; i < 3; i++) expect(await h.verify(requestWith(token))).toMatchObject({ valid: true });
    expect(h.signatureChecks.count).toBe(1);
  });

  it("gives the same outcome as the jose path for any one-character change to a token", async () => {
    const key = await newTestKey(webCryptoProvider);
    const viaNode = createHarness({ signatures: nodeSignatureVerifier });
    const viaJose = createHarness({ signatures: joseSignatureVerifier });
    const stored = await viaNode.addKey(key);
    await viaJose.addKey(key, { accountId: stored.accountId });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => signJwt(key, claimsFor(key.id))));
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: tokens.length - 1 }),
        fc.nat({ max: 999 }),
        fc.constantFrom(...alphabet),
        async (which, at, character) => {
          const token = tokens[which] as string;
          const position = at % token.length;
          const changed = token.slice(0, position) + character + token.slice(position + 1);
          const fromNode = await viaNode.verify(requestWith(changed));
          const fromJose = await viaJose.verify(requestWith(changed));
          expect(fromNode).toEqual(fromJose);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("selectCrypto on Node", () => {
  it("uses node:crypto for signatures and key generation by default, jose when asked", async () => {
    const chosen = await selectCrypto();
    expect(chosen.signatures).toBe(nodeSignatureVerifier);
    expect(chosen.provider).toBe(nodeCryptoProvider);
    expect((await selectCrypto("jose")).signatures).toBe(joseSignatureVerifier);
    expect((await selectCrypto("peculiar")).signatures.name).toBe("@peculiar/webcrypto");
  });
});

describe("key generation through node:crypto", () => {
  it("makes distinct pairs whose public key is the one Web Crypto derives from the seed, and which sign", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const pair = await generateKeyPair(nodeCryptoProvider);
      expect(pair.seed).toHaveLength(32);
      expect(seen.has(pair.publicJwk.x)).toBe(false);
      seen.add(pair.publicJwk.x);
      expect(await publicJwkFromSeed(webCryptoProvider, pair.seed)).toEqual(pair.publicJwk);
      const privateKey = await webCryptoProvider.subtle.importKey(
        "pkcs8",
        Buffer.from(pair.privateKeyPem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"),
        { name: "Ed25519" },
        false,
        ["sign"],
      );
      const message = new TextEncoder().encode(`message ${i}`);
      const signature = new Uint8Array(await webCryptoProvider.subtle.sign("Ed25519", privateKey, message));
      const verifyKey = await nodeSignatureVerifier.importKey(pair.publicJwk.x);
      expect(nodeSignatureVerifier.verifyRaw(verifyKey, message, signature)).toBe(true);
    }
  });
});

describe("key thumbprints through node:crypto's synchronous SHA-256", () => {
  it("gives RFC 8037 appendix A.3's thumbprint, like jose", async () => {
    const jwk = publicJwk("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    const expected = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
    expect(await fingerprint(jwk, nodeCryptoProvider)).toBe(expected);
    expect(await fingerprint(jwk)).toBe(expected);
    expect(await fingerprint(jwk, webCryptoProvider)).toBe(expected);
  });

  it("agrees with jose's calculateJwkThumbprint on any 32-byte public key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (bytes) => {
        const jwk = publicJwk(Buffer.from(bytes).toString("base64url"));
        expect(await fingerprint(jwk, nodeCryptoProvider)).toBe(await fingerprint(jwk));
      }),
      { numRuns: 200 },
    );
  });
});
