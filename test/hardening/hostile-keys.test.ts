/**
 * Hostile bring-your-own public keys through the HTTP API (POST /v1/keys on the real Node app).
 * Only a canonical, 32-byte Ed25519 point that is not of small order may be registered:
 * Node's and workerd's Ed25519 accept signatures "by" small-order and non-canonical keys that
 * anyone can forge (see SECURITY.md), so registration is the guard. Every refusal is a 400
 * naming public_key with a clear reason, and stores nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, json, startHarness, type TestKey } from "../server/harness.js";
import { TESTDATA } from "../support/testdata.js";
import { recorded } from "./support.js";

const speccheck = JSON.parse(
  readFileSync(join(TESTDATA, "ed25519-speccheck", "cases.json"), "utf8"),
) as Array<{ pub_key: string }>;

/** The 8 canonical encodings of the small-order points (the 8-torsion subgroup). */
const SMALL_ORDER: Array<[string, string]> = [
  ["identity (order 1)", "0100000000000000000000000000000000000000000000000000000000000000"],
  ["order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ["order 4, x > 0", "0000000000000000000000000000000000000000000000000000000000000000"],
  ["order 4, x < 0", "0000000000000000000000000000000000000000000000000000000000000080"],
  ["order 8 (a)", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"],
  ["order 8 (a, negated x)", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"],
  ["order 8 (b)", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"],
  ["order 8 (b, negated x)", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"],
];

/** Encodings with y ≥ p, or x = 0 with the sign bit set: no canonical point has them. */
const NON_CANONICAL: Array<[string, string]> = [
  ["y = p (≡ 0)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ["y = p + 1 (≡ 1, the identity)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ["y = p, sign bit set", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"],
  ["y = 2^255 - 1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ["y = p - 1 with x = 0 and the sign bit set (speccheck 10 and 11)", speccheck[11]?.pub_key ?? ""],
  [
    "the identity with the sign bit set (-0)",
    "0100000000000000000000000000000000000000000000000000000000000080",
  ],
];

const OID_ED25519 = "06032b6570";
const OID_X25519 = "06032b656e";

/** A DER SubjectPublicKeyInfo for `key` under `oid`, as PEM. */
function spkiPem(key: Uint8Array, oid = OID_ED25519): string {
  const algorithm = Buffer.from(`30${(oid.length / 2).toString(16).padStart(2, "0")}${oid}`, "hex");
  const bitString = Buffer.concat([Buffer.from([0x03, key.length + 1, 0x00]), key]);
  const body = Buffer.concat([algorithm, bitString]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}
const hex = (value: string) => new Uint8Array(Buffer.from(value, "hex"));
const jwkOf = (bytes: Uint8Array, extra: Record<string, unknown> = {}) => ({
  kty: "OKP",
  crv: "Ed25519",
  x: Buffer.from(bytes).toString("base64url"),
  ...extra,
});
/** A real, full-order public key (to wrap in otherwise-bad containers). */
const goodPoint = () => ed25519.getPublicKey(ed25519.utils.randomPrivateKey());

interface BadKey {
  name: string;
  publicKey: () => unknown;
  reason: RegExp;
}

const BAD_KEYS: BadKey[] = [
  ...SMALL_ORDER.flatMap(([name, value]): BadKey[] => [
    { name: `small order, ${name}, as a JWK`, publicKey: () => jwkOf(hex(value)), reason: /small-order/ },
    {
      name: `small order, ${name}, as an SPKI PEM`,
      publicKey: () => spkiPem(hex(value)),
      reason: /small-order/,
    },
  ]),
  ...NON_CANONICAL.flatMap(([name, value]): BadKey[] => [
    { name: `non-canonical ${name}, as a JWK`, publicKey: () => jwkOf(hex(value)), reason: /canonical/ },
    {
      name: `non-canonical ${name}, as an SPKI PEM`,
      publicKey: () => spkiPem(hex(value)),
      reason: /canonical/,
    },
  ]),
  {
    name: "speccheck case 0's public key (small order)",
    publicKey: () => jwkOf(hex(speccheck[0]?.pub_key ?? "")),
    reason: /small-order/,
  },
  {
    name: "a JWK carrying d (a private key)",
    publicKey: () => jwkOf(goodPoint(), { d: Buffer.alloc(32, 1).toString("base64url") }),
    reason: /private JWK.*\bd\b/,
  },
  {
    name: "a JWK with crv X25519",
    publicKey: () => jwkOf(goodPoint(), { crv: "X25519" }),
    reason: /crv must be "Ed25519"/,
  },
  {
    name: "a JWK with a 31-byte x",
    publicKey: () => jwkOf(goodPoint().subarray(0, 31)),
    reason: /32 bytes, got 31/,
  },
  {
    name: "a JWK with a 33-byte x",
    publicKey: () => jwkOf(new Uint8Array([...goodPoint(), 0])),
    reason: /32 bytes, got 33/,
  },
  {
    name: "an SPKI PEM with a 31-byte key",
    publicKey: () => spkiPem(goodPoint().subarray(0, 31)),
    reason: /Ed25519 SubjectPublicKeyInfo/,
  },
  {
    name: "an SPKI PEM with a 33-byte key",
    publicKey: () => spkiPem(new Uint8Array([...goodPoint(), 0])),
    reason: /Ed25519 SubjectPublicKeyInfo/,
  },
  {
    name: "an SPKI PEM for X25519",
    publicKey: () => spkiPem(goodPoint(), OID_X25519),
    reason: /Ed25519 SubjectPublicKeyInfo/,
  },
  {
    name: "a JWK whose x has = padding",
    publicKey: () => ({ ...jwkOf(goodPoint()), x: `${Buffer.from(goodPoint()).toString("base64url")}=` }),
    reason: /strict base64url/,
  },
  {
    name: "a JWK whose x has non-zero pad bits",
    publicKey: () => {
      const x = Buffer.from(goodPoint()).toString("base64url");
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      return jwkOf(new Uint8Array(), {
        x: x.slice(0, -1) + alphabet[alphabet.indexOf(x.at(-1) as string) ^ 1],
      });
    },
    reason: /strict base64url/,
  },
  {
    name: "a JWK with kty EC",
    publicKey: () => jwkOf(goodPoint(), { kty: "EC" }),
    reason: /kty must be "OKP"/,
  },
  { name: "a JWK with alg ES256", publicKey: () => jwkOf(goodPoint(), { alg: "ES256" }), reason: /alg/ },
  {
    name: "a JWK with an x5u member",
    publicKey: () => jwkOf(goodPoint(), { x5u: "http://127.0.0.1:1/cert.pem" }),
    reason: /unsupported member x5u/,
  },
  {
    name: "a private key PEM",
    publicKey: () =>
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n",
    reason: /private key/,
  },
  {
    name: "two PUBLIC KEY blocks",
    publicKey: () => spkiPem(goodPoint()) + spkiPem(goodPoint()),
    reason: /single PEM block/,
  },
];

let h: Harness;
let admin: TestKey;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.bootstrap();
});
afterAll(async () => h?.close());

const create = (publicKey: unknown) =>
  h.call(admin.signer, "POST", "/v1/keys", {
    body: { name: "byok", scopes: ["demo:read"], public_key: publicKey },
  });

describe("POST /v1/keys refuses hostile public keys with 400 naming public_key, storing nothing", () => {
  it("the 8 small-order encodings listed are distinct and all of small order (noble agrees)", () => {
    expect(new Set(SMALL_ORDER.map(([, value]) => value)).size).toBe(8);
    for (const [, value] of SMALL_ORDER)
      expect(ed25519.ExtendedPoint.fromHex(value, false).isSmallOrder()).toBe(true);
    for (const [, value] of NON_CANONICAL)
      expect(() => ed25519.ExtendedPoint.fromHex(value, false)).toThrow();
  });

  for (const bad of BAD_KEYS) {
    it(bad.name, async () => {
      const before = await recorded(h);
      const response = await create(bad.publicKey());
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const body = await json(response);
      expect(body).toMatchObject({ status: 400, code: "invalid_request", field: "public_key" });
      expect(body.detail).toMatch(/^public_key: /);
      expect(body.detail).toMatch(bad.reason);
      expect(JSON.stringify(body)).not.toMatch(/PRIVATE KEY|"d"/);
      const after = await recorded(h);
      // the admin's own assertion is single-use, so the replay store grows by exactly that one
      expect(after).toEqual({ ...before, replay: before.replay + 1, lastUsedPending: after.lastUsedPending });
    });
  }
});

describe("what registration still accepts (controls)", () => {
  it("a fresh full-order key, as a JWK and as an SPKI PEM", async () => {
    for (const publicKey of [jwkOf(goodPoint()), spkiPem(goodPoint())]) {
      const response = await create(publicKey);
      expect(response.status).toBe(201);
      expect((await json(response)).credentials).toBeNull();
    }
  });

  it("speccheck's mixed-order keys (cases 2 and 3): not forgeable without their private key", async () => {
    for (const index of [2, 3]) {
      const response = await create(jwkOf(hex(speccheck[index]?.pub_key ?? "")));
      expect(response.status).toBe(201);
    }
  });
});
