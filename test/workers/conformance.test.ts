/**
 * The core's conformance inside workerd: the Wycheproof and speccheck Ed25519 vectors through
 * workerd's crypto.subtle, the DESIGN §3 verifier cases on workerd's Web Crypto, and the
 * ReplayShard Durable Objects (atomic check-and-record, expiry, alarms).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TESTDATA } from "../support/testdata.js";
import { describeInWorkerd, freePort, ROOT, type StartedWorker, startWorker } from "./support.js";
import { runVerifierCases, VERIFIER_CASES } from "./verifier-cases.js";

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
  group.tests.map((test) => ({ ...test, pk: group.publicKey.pk })),
);
const speccheck = JSON.parse(readFileSync(`${TESTDATA}/ed25519-speccheck/cases.json`, "utf8")) as Array<{
  message: string;
  pub_key: string;
  signature: string;
}>;

describeInWorkerd("core conformance inside workerd", () => {
  let worker: StartedWorker;

  beforeAll(async () => {
    worker = await startWorker({
      config: join(ROOT, "test", "workers", "conformance.wrangler.toml"),
      port: await freePort(),
      persist: false,
    });
  });

  afterAll(async () => {
    await worker?.dispose();
  });

  async function post<T>(path: string, body: unknown): Promise<T> {
    const response = await worker.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  it("runs in workerd, whose Web Crypto has Ed25519", async () => {
    const runtime = (await (await worker.fetch("/runtime")).json()) as {
      userAgent: string;
      ed25519: boolean;
    };
    expect(runtime).toEqual({ userAgent: "Cloudflare-Workers", ed25519: true });
  });

  it("agrees with all 151 Wycheproof vectors (88 valid, 63 invalid)", async () => {
    expect(VECTORS).toHaveLength(151);
    const { results } = await post<{ results: boolean[] }>("/ed25519", {
      vectors: VECTORS.map(({ pk, sig, msg }) => ({ pk, sig, msg })),
    });
    const disagreements = VECTORS.filter((v, i) => results[i] !== (v.result === "valid")).map(
      (v) => `tcId ${v.tcId} (${v.comment || "-"}): expected ${v.result}`,
    );
    expect(disagreements).toEqual([]);
    expect(results.filter(Boolean)).toHaveLength(88);
  });

  it("accepts speccheck cases 0-3 and 11, as testdata/README.md records (registration refuses those keys)", async () => {
    const { results } = await post<{ results: boolean[] }>("/ed25519", {
      vectors: speccheck.map((c) => ({ pk: c.pub_key, sig: c.signature, msg: c.message })),
    });
    expect(results.flatMap((accepted, index) => (accepted ? [index] : []))).toEqual([0, 1, 2, 3, 11]);
  });

  it(`gives the DESIGN §3 outcome for all ${VERIFIER_CASES.length} verifier cases, as on Node`, async () => {
    const { results } = (await (await worker.fetch("/verifier")).json()) as {
      results: Awaited<ReturnType<typeof runVerifierCases>>;
    };
    const expected = VERIFIER_CASES.map((c) => ({ name: c.name, outcome: c.expected }));
    expect(results).toEqual(expected);
    expect(await runVerifierCases()).toEqual(expected);
  });

  describe("ReplayShard Durable Objects", () => {
    const kid = "key_0123456789ABCDEFGHJKMNPQRS";
    const later = () => Date.now() + 120_000;

    it("records a pair once and refuses it again until it expires", async () => {
      const record = (jti: string, k = kid) =>
        post<{ outcomes: boolean[] }>("/replay/record", { kid: k, jti, expiresAt: later() });
      expect((await record("jti-replay-0000000001")).outcomes).toEqual([true]);
      expect((await record("jti-replay-0000000001")).outcomes).toEqual([false]);
      expect((await record("jti-replay-0000000002")).outcomes).toEqual([true]);
      expect((await record("jti-replay-0000000001", "key_1123456789ABCDEFGHJKMNPQRS")).outcomes).toEqual([
        true,
      ]);
    });

    it("lets exactly one of 25 concurrent attempts at the same pair through", async () => {
      const { outcomes } = await post<{ outcomes: boolean[] }>("/replay/record", {
        kid,
        jti: "jti-concurrent-000001",
        expiresAt: later(),
        times: 25,
      });
      expect(outcomes).toHaveLength(25);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });

    it("forgets a pair after it expires, and its alarm deletes the row", async () => {
      const jti = "jti-expiring-00000001";
      const count = async () =>
        ((await (await worker.fetch(`/replay/count?kid=${kid}&jti=${jti}`)).json()) as { count: number })
          .count;
      const before = await count();
      const { outcomes, now } = await post<{ outcomes: boolean[]; now: number }>("/replay/record", {
        kid,
        jti,
        expiresAt: Date.now() + 1_000,
      });
      expect(outcomes).toEqual([true]);
      expect(await count()).toBe(before + 1);
      // wait (bounded) for the alarm to sweep: the shard's row count drops back
      const deadline = Date.now() + 30_000;
      let after = await count();
      while (after > before && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        after = await count();
      }
      expect(after).toBe(before);
      expect(Date.now()).toBeGreaterThan(now + 1_000);
      const again = await post<{ outcomes: boolean[] }>("/replay/record", { kid, jti, expiresAt: later() });
      expect(again.outcomes).toEqual([true]);
    });
  });
});
