import { hash as nativeHash } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import {
  ARGON2ID_PARAMS,
  createPortablePasswordHasher,
  formatPhc,
  parsePhc,
  phcBase64,
  phcBase64Decode,
} from "../../src/console/password.js";
import { createNodePasswordHasher } from "../../src/entry/password-node.js";

const PHC = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const node = createNodePasswordHasher();
const portable = createPortablePasswordHasher();

describe("Argon2id password hashes (PHC strings both runtimes read)", () => {
  it("the Node hasher writes OWASP's minimum parameters: m=19 MiB, t=2, p=1", async () => {
    const phc = await node.hash("correct horse battery staple");
    expect(phc).toMatch(PHC);
    expect(parsePhc(phc)).toMatchObject(ARGON2ID_PARAMS);
  });

  it("the portable (@noble/hashes, Workers) hasher writes the same format", async () => {
    const phc = await portable.hash("correct horse battery staple");
    expect(phc).toMatch(PHC);
  });

  it("each verifies the other's hashes, and both refuse a wrong password", async () => {
    const fromNode = await node.hash("pässwörd with ünïcode ✓");
    const fromPortable = await portable.hash("pässwörd with ünïcode ✓");
    expect(await portable.verify(fromNode, "pässwörd with ünïcode ✓")).toBe(true);
    expect(await node.verify(fromPortable, "pässwörd with ünïcode ✓")).toBe(true);
    expect(await portable.verify(fromNode, "passwörd with ünïcode ✓")).toBe(false);
    expect(await node.verify(fromPortable, "pässwörd with ünïcode ✗")).toBe(false);
  });

  it("a fresh salt every time: the same password never hashes the same", async () => {
    const [a, b] = await Promise.all([node.hash("same password"), node.hash("same password")]);
    expect(a).not.toBe(b);
    expect(parsePhc(a)?.salt).toHaveLength(16);
  });

  it("agrees with the reference binding on a given salt (the portable hash is real Argon2id)", async () => {
    const salt = new Uint8Array(16).map((_, i) => i * 7);
    const reference = await nativeHash("vector", { salt, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(reference.split("$")[4]).toBe(phcBase64(salt));
    expect(await portable.verify(reference, "vector")).toBe(true);
  });

  it("refuses unreadable or hostile stored strings without computing them", async () => {
    const good = await node.hash("x".repeat(20));
    const hostile = [
      "",
      "not a hash",
      good.replace("argon2id", "argon2i"),
      good.replace("v=19", "v=16"),
      good.replace("m=19456", "m=4194304"), // 4 GiB: refused, not allocated
      good.replace("t=2", "t=1000"),
      good.replace("p=1", "p=64"),
      `${good}$extra`,
      good.slice(0, -10),
    ];
    for (const phc of hostile) {
      expect(await portable.verify(phc, "x".repeat(20))).toBe(false);
      expect(await node.verify(phc, "x".repeat(20))).toBe(false);
    }
  });

  it("PHC base64 round-trips (standard alphabet, no padding)", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = phcBase64(bytes);
      expect(text).not.toContain("=");
      expect(phcBase64Decode(text)).toEqual(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64").replace(/=+$/, ""));
    }
    expect(formatPhc(ARGON2ID_PARAMS, new Uint8Array(16), new Uint8Array(32))).toMatch(PHC);
  });
});
