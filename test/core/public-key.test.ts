import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { InvalidPublicKeyError } from "../../src/core/errors.js";
import { type GeneratedKeyPair, generateKeyPair } from "../../src/core/keys.js";
import { parsePublicKey } from "../../src/core/public-key.js";
import { TESTDATA } from "../support/testdata.js";

interface SpeccheckCase {
  message: string;
  pub_key: string;
  signature: string;
}
const speccheck = JSON.parse(
  readFileSync(`${TESTDATA}/ed25519-speccheck/cases.json`, "utf8"),
) as SpeccheckCase[];

const b64url = (hex: string): string => Buffer.from(hex, "hex").toString("base64url");
const jwkOf = (hex: string) => ({ kty: "OKP", crv: "Ed25519", x: b64url(hex) });
/** An SPKI PEM wrapped by hand, so that Node never gets a say about the point. */
const spkiPemOf = (hex: string): string => {
  const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(hex, "hex")]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----\n`;
};

function expectRejected(input: unknown, reason: RegExp): InvalidPublicKeyError {
  let caught: unknown;
  try {
    parsePublicKey(input);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidPublicKeyError);
  const error = caught as InvalidPublicKeyError;
  expect(error.code).toBe("invalid_public_key");
  expect(error.message).toMatch(reason);
  return error;
}

/** The eight canonical encodings of the points of order 1, 2, 4 and 8. */
const SMALL_ORDER_CANONICAL: Array<[string, string]> = [
  ["identity (order 1)", "0100000000000000000000000000000000000000000000000000000000000000"],
  ["(0, -1), order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ["y = 0, x positive (order 4)", "0000000000000000000000000000000000000000000000000000000000000000"],
  ["y = 0, x negative (order 4)", "0000000000000000000000000000000000000000000000000000000000000080"],
  ["order 8, 26e8...05", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"],
  ["order 8, 26e8...85", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"],
  ["order 8, c717...7a", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"],
  ["order 8, c717...fa", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"],
];

/**
 * Encodings with y ≥ p or "x = 0 with the sign bit set". Lenient (ZIP-215) decoders map most
 * of them onto small-order points; a strict decoder must refuse them all.
 */
const NON_CANONICAL: Array<[string, string]> = [
  ["y = p (≡ 0)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ["y = p + 1 (≡ 1, the identity)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  [
    "y = p + 18 (≡ 18, a full-order point)",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ],
  ["y = p, sign bit set", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"],
  [
    "identity with the sign bit set (x = 0)",
    "0100000000000000000000000000000000000000000000000000000000000080",
  ],
  [
    "(0, -1) with the sign bit set (x = 0)",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  ],
];

let pair: GeneratedKeyPair;

beforeAll(async () => {
  pair = await generateKeyPair(webCryptoProvider);
});

describe("accepted keys", () => {
  it("a generated key as a JWK, returned without extra members", () => {
    expect(parsePublicKey({ ...pair.publicJwk, alg: "EdDSA", kid: "laptop", use: "sig" })).toEqual(
      pair.publicJwk,
    );
  });

  it("a generated key as an SPKI PEM made by Node", () => {
    const pem = createPublicKey({ key: { ...pair.publicJwk }, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    });
    expect(parsePublicKey(pem.toString())).toEqual(pair.publicJwk);
  });

  it("the hand-wrapped SPKI PEM used below is byte-for-byte what Node makes", () => {
    const pem = createPublicKey({ key: { ...pair.publicJwk }, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    });
    expect(spkiPemOf(Buffer.from(pair.publicJwk.x, "base64url").toString("hex"))).toBe(pem.toString());
  });

  it("an SPKI PEM with CRLF line endings and surrounding whitespace", () => {
    const pem = createPublicKey({ key: { ...pair.publicJwk }, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    });
    expect(parsePublicKey(`\n${pem.toString().replace(/\n/g, "\r\n")}  `)).toEqual(pair.publicJwk);
  });

  // DESIGN §2 refuses small-order points only. Mixed-order points (a prime-order point plus a
  // small torsion component, speccheck's f7ba... and cdb2...) are not small order and are kept:
  // nobody but the private key's holder can sign for them.
  it.each([
    ["RFC 8032 test 1 (prime order)", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"],
    ["speccheck 442a... (prime order)", speccheck[6]?.pub_key as string],
    ["speccheck f7ba... (mixed order)", speccheck[2]?.pub_key as string],
    ["speccheck cdb2... (mixed order)", speccheck[3]?.pub_key as string],
  ])("a key that is not small order: %s", (_name, hex) => {
    expect(parsePublicKey(jwkOf(hex))).toEqual({ kty: "OKP", crv: "Ed25519", x: b64url(hex) });
    expect(parsePublicKey(spkiPemOf(hex)).x).toBe(b64url(hex));
  });
});

describe("rejected JWKs", () => {
  it("a private JWK carrying d", () => {
    expectRejected({ ...pair.publicJwk, d: Buffer.from(pair.seed).toString("base64url") }, /private.*\bd\b/);
  });

  it("crv X25519", () => {
    expectRejected({ ...pair.publicJwk, crv: "X25519" }, /crv/);
  });

  it("kty EC", () => {
    expectRejected({ kty: "EC", crv: "P-256", x: pair.publicJwk.x, y: pair.publicJwk.x }, /kty/);
  });

  it("kty RSA", () => {
    expectRejected({ kty: "RSA", n: "AQAB", e: "AQAB" }, /kty/);
  });

  it("alg other than EdDSA", () => {
    expectRejected({ ...pair.publicJwk, alg: "ES256" }, /alg/);
  });

  it("an unsupported member (x5u)", () => {
    expectRejected({ ...pair.publicJwk, x5u: "https://evil.example.com/key" }, /unsupported member x5u/);
  });

  it("x missing", () => {
    expectRejected({ kty: "OKP", crv: "Ed25519" }, /x must be/);
  });

  it("a 31-byte x", () => {
    expectRejected(jwkOf("11".repeat(31)), /32 bytes, got 31/);
  });

  it("a 33-byte x", () => {
    expectRejected(
      {
        ...pair.publicJwk,
        x: Buffer.concat([Buffer.from(pair.publicJwk.x, "base64url"), Buffer.of(0)]).toString("base64url"),
      },
      /32 bytes, got 33/,
    );
  });

  it("x in padded base64", () => {
    expectRejected({ ...pair.publicJwk, x: `${pair.publicJwk.x}=` }, /base64url/);
  });

  it("x in standard base64 (+ and /)", () => {
    const hex = "fbff".repeat(16);
    expectRejected(
      { ...jwkOf(hex), x: Buffer.from(hex, "hex").toString("base64").replace(/=+$/, "") },
      /base64url/,
    );
  });

  it.each([
    ["null", null],
    ["a number", 42],
    ["an array", [{ kty: "OKP", crv: "Ed25519" }]],
  ])("%s instead of a key", (_name, value) => {
    expectRejected(value, /JWK object or an SPKI PEM/);
  });
});

describe("rejected PEMs", () => {
  it("a PKCS#8 private key", () => {
    expectRejected(pair.privateKeyPem, /private key/);
  });

  it("an X25519 SPKI", () => {
    const pem = createPublicKey({
      key: { kty: "OKP", crv: "X25519", x: pair.publicJwk.x },
      format: "jwk",
    }).export({
      type: "spki",
      format: "pem",
    });
    expectRejected(pem.toString(), /not an Ed25519 SubjectPublicKeyInfo/);
  });

  it("an EC P-256 SPKI", () => {
    const pem = createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
      },
      format: "jwk",
    }).export({ type: "spki", format: "pem" });
    expectRejected(pem.toString(), /not an Ed25519 SubjectPublicKeyInfo/);
  });

  it("a PEM with the wrong label", () => {
    const pem = spkiPemOf(Buffer.from(pair.publicJwk.x, "base64url").toString("hex")).replace(
      /PUBLIC KEY/g,
      "CERTIFICATE",
    );
    expectRejected(pem, /PEM block labelled PUBLIC KEY/);
  });

  it("two PEM blocks", () => {
    const pem = spkiPemOf(Buffer.from(pair.publicJwk.x, "base64url").toString("hex"));
    expectRejected(pem + pem, /single PEM block/);
  });

  it("a bare string", () => {
    expectRejected(pair.publicJwk.x, /single PEM block/);
  });
});

describe("small-order points", () => {
  it.each(SMALL_ORDER_CANONICAL)("rejects %s as a JWK", (_name, hex) => {
    expectRejected(jwkOf(hex), /small-order/);
  });

  it.each(SMALL_ORDER_CANONICAL)("rejects %s as an SPKI PEM", (_name, hex) => {
    expectRejected(spkiPemOf(hex), /small-order/);
  });

  it("rejects the small-order public key of speccheck cases 0 and 1", () => {
    const keys = new Set([speccheck[0]?.pub_key, speccheck[1]?.pub_key]);
    expect(keys.size).toBe(1);
    for (const hex of keys) expectRejected(jwkOf(hex as string), /small-order/);
  });
});

describe("non-canonical encodings", () => {
  it.each(NON_CANONICAL)("rejects %s", (_name, hex) => {
    expectRejected(jwkOf(hex), /canonical/);
  });

  it("rejects the non-canonical public key of speccheck cases 10 and 11", () => {
    const keys = new Set([speccheck[10]?.pub_key, speccheck[11]?.pub_key]);
    expect(keys.size).toBe(1);
    for (const hex of keys) expectRejected(jwkOf(hex as string), /canonical/);
  });

  it("rejects every y in [p, 2^255) with either sign bit", () => {
    // p = 2^255 - 19: the little-endian encodings of p + k for k = 0..18 start ed..ff.
    for (let k = 0; k <= 18; k++) {
      for (const sign of [0x7f, 0xff]) {
        const bytes = Buffer.alloc(32, 0xff);
        bytes[0] = 0xed + k;
        bytes[31] = sign;
        expectRejected(jwkOf(bytes.toString("hex")), /canonical/);
      }
    }
  });

  it("rejects a y that is not on the curve", () => {
    // y = 2 has no x on edwards25519 (u/v is not a square).
    expectRejected(jwkOf(`02${"00".repeat(31)}`), /canonical/);
  });
});

describe("every speccheck public key is refused or not small order", () => {
  it("refuses exactly the small-order and non-canonical keys", () => {
    const outcome = speccheck.map((c, index) => {
      try {
        parsePublicKey(jwkOf(c.pub_key));
        return [index, "accepted"];
      } catch (error) {
        return [index, (error as Error).message.includes("small-order") ? "small-order" : "non-canonical"];
      }
    });
    expect(outcome).toEqual([
      [0, "small-order"],
      [1, "small-order"],
      [2, "accepted"],
      [3, "accepted"],
      [4, "accepted"],
      [5, "accepted"],
      [6, "accepted"],
      [7, "accepted"],
      [8, "accepted"],
      [9, "accepted"],
      [10, "non-canonical"],
      [11, "non-canonical"],
    ]);
  });
});
