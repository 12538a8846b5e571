/**
 * The Node entry's default signature check (src/entry/node-crypto.ts: node:crypto's verify,
 * not Web Crypto) against the same public vectors test/core/providers.test.ts runs for the Web
 * Crypto providers: all 151 Wycheproof Ed25519 vectors, and the speccheck table.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeSignatureVerifier } from "../../src/entry/node-crypto.js";
import { TESTDATA } from "../support/testdata.js";

interface WycheproofFile {
  testGroups: Array<{
    publicKey: { pk: string };
    tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string }>;
  }>;
}
const wycheproof = JSON.parse(
  readFileSync(join(TESTDATA, "wycheproof", "ed25519_test.json"), "utf8"),
) as WycheproofFile;
const VECTORS = wycheproof.testGroups.flatMap((group) =>
  group.tests.map((test) => ({
    ...test,
    pk: group.publicKey.pk,
    label: `tcId ${test.tcId}: ${test.comment || "-"}`,
  })),
);
const speccheck = JSON.parse(
  readFileSync(join(TESTDATA, "ed25519-speccheck", "cases.json"), "utf8"),
) as Array<{ message: string; pub_key: string; signature: string }>;

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));

/** Import, then verify; an import failure counts as "not accepted". */
async function accepts(pk: string, sig: string, msg: string): Promise<boolean> {
  let key: unknown;
  try {
    key = await nodeSignatureVerifier.importKey(Buffer.from(pk, "hex").toString("base64url"));
  } catch {
    return false;
  }
  return nodeSignatureVerifier.verifyRaw(key, bytes(msg), bytes(sig));
}

describe("node:crypto signature check (the Node entry's default)", () => {
  it("has all 151 Wycheproof vectors to check", () => {
    expect(VECTORS).toHaveLength(151);
  });

  it.each(VECTORS)("Wycheproof $label ($result)", async (vector) => {
    expect(await accepts(vector.pk, vector.sig, vector.msg)).toBe(vector.result === "valid");
  });

  it("accepts speccheck cases 0-3 and 11, like the Web Crypto providers (registration refuses those keys)", async () => {
    const accepted: number[] = [];
    for (const [index, c] of speccheck.entries()) {
      if (await accepts(c.pub_key, c.signature, c.message)) accepted.push(index);
    }
    expect(accepted).toEqual([0, 1, 2, 3, 11]);
  });
});
