/**
 * Property tests (fast-check). A valid token that is mutated, re-assembled or edited is never
 * accepted and never records anything; random headers, claim sets and Authorization values
 * never make the real app answer 500.
 *
 * Runs per property: SIGNET_PROPERTY_RUNS, else 2,000 when CI=true (7 properties: 14,000
 * generated cases), else 200 for a quick local run.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { normalizeHtu } from "../../src/core/htu.js";
import { newKeyId } from "../../src/core/ids.js";
import type { VerifyOutcome } from "../../src/core/verifier.js";
import { STATUS_BY_CODE } from "../../src/server/problem.js";
import {
  AUDIENCE,
  type Harness as CoreHarness,
  claimsFor,
  createHarness,
  NOW,
  newTestKey,
  ORIGIN,
  PATH,
  requestWith,
  signJwt,
  signRaw,
  type TestKey,
} from "../core/support.js";
import { type Harness, PUBLIC_URL, startHarness } from "../server/harness.js";
import * as hard from "./support.js";

const RUNS = Number(process.env.SIGNET_PROPERTY_RUNS) || (process.env.CI === "true" ? 2_000 : 200);
/** Generous: CI runs thousands of cases per property on a shared 2-core machine. */
const PROPERTY_TIMEOUT = Math.max(30_000, RUNS * 40);

const EXPECTED_HTU = `${ORIGIN}${PATH}`;
const counted = { cases: 0 };

let key: TestKey;
let other: TestKey;
let h: CoreHarness;
/** Valid and unused: every property starts from these. */
let tokenA: string;
let tokenB: string;
let tokenC: string;

beforeAll(async () => {
  key = await newTestKey(webCryptoProvider);
  other = await newTestKey(webCryptoProvider);
  h = createHarness();
  await h.addKey(key);
  await h.addKey(other);
  tokenA = await signJwt(key, claimsFor(key.id));
  tokenB = await signJwt(key, claimsFor(key.id, { scope: "orders:read" }));
  tokenC = await signJwt(other, claimsFor(other.id));
});

afterAll(async () => {
  // the tokens every property mutated were valid all along (the properties were not vacuous)
  const fresh = createHarness();
  await fresh.addKey(key);
  await fresh.addKey(other);
  for (const token of [tokenA, tokenB, tokenC])
    expect((await fresh.verify(requestWith(token))).valid).toBe(true);
});

/** Verifies on the shared harness; nothing may be recorded and the answer is never valid. */
async function expectRefused(token: string): Promise<VerifyOutcome & { valid: false }> {
  counted.cases++;
  const outcome = await h.verify(requestWith(token));
  if (outcome.valid) throw new Error(`accepted a forged token: ${token.slice(0, 80)}…`);
  expect(h.replayed.size).toBe(0);
  return outcome;
}

describe("a valid token, altered, is never accepted", () => {
  it(
    "random single-character replacements anywhere in the compact token",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("A", "B", "C"),
          fc.nat(),
          fc.integer({ min: 0x20, max: 0x7e }),
          async (which, at, code) => {
            const token = which === "A" ? tokenA : which === "B" ? tokenB : tokenC;
            const index = at % token.length;
            const replacement = String.fromCharCode(code);
            fc.pre(token[index] !== replacement);
            await expectRefused(token.slice(0, index) + replacement + token.slice(index + 1));
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "random single-bit flips in the decoded header, claims or signature (re-encoded canonically)",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 2 }), fc.nat(), fc.nat({ max: 7 }), async (segment, at, bit) => {
          const parts = tokenA.split(".");
          const bytes = Buffer.from(parts[segment] as string, "base64url");
          const index = at % bytes.length;
          bytes[index] = (bytes[index] as number) ^ (1 << bit);
          parts[segment] = bytes.toString("base64url");
          await expectRefused(parts.join("."));
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "segments swapped, repeated or taken from other tokens",
    async () => {
      const segments = () => [...tokenA.split("."), ...tokenB.split("."), ...tokenC.split(".")];
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: 8 }), { minLength: 1, maxLength: 5 }), async (picks) => {
          const all = segments();
          const token = picks.map((pick) => all[pick]).join(".");
          fc.pre(token !== tokenA && token !== tokenB && token !== tokenC);
          await expectRefused(token);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "claims edited after signing (the original signature kept)",
    async () => {
      const names = ["iss", "sub", "aud", "iat", "exp", "nbf", "jti", "htm", "htu", "scope", "x"];
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ name: fc.constantFrom(...names), value: fc.option(fc.jsonValue({ maxDepth: 2 })) }),
            { minLength: 1, maxLength: 3 },
          ),
          async (edits) => {
            const [header, payload, signature] = tokenA.split(".") as [string, string, string];
            const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<
              string,
              unknown
            >;
            for (const { name, value } of edits) {
              if (value === null) delete claims[name];
              else claims[name] = value;
            }
            const edited = Buffer.from(JSON.stringify(claims)).toString("base64url");
            fc.pre(edited !== payload);
            await expectRefused(`${header}.${edited}.${signature}`);
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "a rule-breaking claim, validly signed by the key holder, gets a precise error with server_time",
    async () => {
      const anything = fc.jsonValue({ maxDepth: 1 });
      const number = fc.oneof(fc.integer(), fc.double({ noNaN: true }));
      const breaking = fc.oneof(
        fc.record({ iss: anything.filter((v) => v !== key.id) }),
        fc.record({ sub: anything.filter((v) => v !== key.id) }),
        fc.record({ aud: anything.filter((v) => v !== AUDIENCE) }),
        fc.record({ htm: anything.filter((v) => v !== "GET") }),
        fc.record({
          htu: fc
            .oneof(anything, fc.webUrl({ withQueryParameters: true }))
            .filter((v) => typeof v !== "string" || normalizeHtu(v) !== EXPECTED_HTU),
        }),
        fc.record({
          jti: fc.oneof(
            anything.filter((v) => typeof v !== "string"),
            fc.string({ maxLength: 15 }),
            fc.string({ minLength: 129, maxLength: 200 }),
          ),
        }),
        fc.record({
          exp: fc.oneof(
            anything.filter((v) => typeof v !== "number"),
            number.filter((v) => v <= NOW - 60 || v > NOW + 300),
          ),
        }),
        fc.record({
          iat: fc.oneof(
            anything.filter((v) => typeof v !== "number"),
            number.filter((v) => v > NOW + 60 || v < NOW + 60 - 300),
          ),
        }),
        fc.record({
          nbf: fc.oneof(
            anything.filter((v) => typeof v !== "number" && v !== null),
            number.filter((v) => v > NOW + 60),
          ),
        }),
        fc.record({
          scope: anything.filter(
            (v) =>
              typeof v !== "string" || !/^([a-z0-9_-]+:[a-z0-9_*-]+)( [a-z0-9_-]+:[a-z0-9_*-]+)*$/.test(v),
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(breaking, async (change) => {
          const token = await signRaw(
            key,
            JSON.stringify({ alg: "EdDSA", typ: "signet+jwt", kid: key.id }),
            JSON.stringify(claimsFor(key.id, change)),
          );
          const outcome = await expectRefused(token);
          expect(["invalid_token", "malformed_token"]).not.toContain(outcome.code);
          expect(outcome.details.server_time).toBe(NOW);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );
});

describe("random input never makes the real app answer 500", () => {
  let app: Harness;
  let raw: hard.RawKey;
  const KNOWN_CODES = new Set(Object.keys(STATUS_BY_CODE));

  beforeAll(async () => {
    app = await startHarness();
    raw = await hard.rawKeyOf(await app.bootstrap());
  });
  afterAll(async () => app?.close());

  async function expectNoServerError(response: Response): Promise<void> {
    counted.cases++;
    expect([200, 401, 403]).toContain(response.status);
    if (response.status !== 200) {
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const body = (await response.json()) as { code: string };
      expect(KNOWN_CODES.has(body.code)).toBe(true);
    } else {
      await response.arrayBuffer();
    }
  }

  it(
    "random headers and claim sets, validly signed",
    async () => {
      const value = fc.jsonValue({ maxDepth: 2 });
      const maybe = <T>(good: T, wrong: fc.Arbitrary<unknown>) =>
        fc.oneof({ weight: 3, arbitrary: fc.constant(good) }, wrong, fc.constant(undefined));
      const headers = fc.record({
        alg: maybe(
          "EdDSA",
          fc.oneof(fc.constantFrom("none", "HS256", "RS256", "ES256", "Ed25519", "eddsa"), value),
        ),
        typ: maybe("signet+jwt", fc.oneof(fc.constantFrom("JWT", "at+jwt", "SIGNET+JWT"), value)),
        kid: maybe(raw.id, fc.oneof(fc.constant(newKeyId()), fc.string(), value)),
        extra: fc.dictionary(
          fc.constantFrom("crit", "b64", "jwk", "jku", "x5u", "x5c", "cty", "zip", "__proto__", "x"),
          value,
          {
            maxKeys: 2,
          },
        ),
      });
      const claims = fc.record({
        iss: maybe(raw.id, value),
        sub: maybe(raw.id, value),
        aud: maybe(PUBLIC_URL, fc.oneof(fc.constant([PUBLIC_URL]), fc.constant(`${PUBLIC_URL}/`), value)),
        iat: maybe(hard.NOW, fc.oneof(fc.integer(), fc.double(), value)),
        exp: maybe(hard.NOW + 60, fc.oneof(fc.integer(), fc.double(), fc.constant(1e300), value)),
        nbf: fc.option(fc.oneof(fc.integer(), value), { nil: undefined }),
        jti: maybe("", fc.oneof(fc.string({ minLength: 16, maxLength: 40 }), value)),
        htm: maybe("GET", fc.oneof(fc.constantFrom("get", "POST", "GET "), value)),
        htu: maybe(`${PUBLIC_URL}/v1/whoami`, fc.oneof(fc.webUrl(), value)),
        scope: fc.option(
          fc.oneof(fc.constantFrom("demo:read", "keys:manage", "demo:read keys:manage"), value),
          {
            nil: undefined,
          },
        ),
        extra: fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(
          headers,
          claims,
          fc.constantFrom("GET /v1/whoami", "GET /v1/keys", "POST /v1/keys"),
          async (header, claimSet, route) => {
            const { extra: headerExtra, ...headerMembers } = header;
            const { extra: claimExtra, ...claimMembers } = claimSet;
            const [method, path] = route.split(" ") as [string, string];
            const finalClaims = { ...claimExtra, ...claimMembers };
            if (finalClaims.jti === "") finalClaims.jti = hard.freshJti();
            const token = await hard.signRaw(
              raw,
              JSON.stringify({ ...headerExtra, ...headerMembers }),
              JSON.stringify(finalClaims),
            );
            const response = await app.app.request(`${PUBLIC_URL}${path}`, {
              method,
              headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
              body: method === "POST" ? JSON.stringify({ name: "prop", scopes: ["demo:read"] }) : undefined,
            });
            if (method === "POST" && response.status === 201) {
              counted.cases++;
              return;
            }
            await expectNoServerError(response);
          },
        ),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    "random Authorization values and token-shaped strings",
    async () => {
      const segment = fc.stringMatching(/^[A-Za-z0-9_-]{0,120}$/);
      const authorization = fc.oneof(
        fc.string({ unit: "binary-ascii", maxLength: 300 }),
        fc
          .tuple(segment, segment, fc.stringMatching(/^[A-Za-z0-9_-]{86}$/))
          .map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
        fc
          .tuple(fc.constantFrom("Bearer ", "bearer ", "Basic ", "DPoP ", ""), fc.string({ maxLength: 200 }))
          .map(([scheme, rest]) => scheme + rest),
      );
      await fc.assert(
        fc.asyncProperty(authorization, async (value) => {
          let headers: Headers;
          try {
            headers = new Headers({ authorization: value });
          } catch {
            fc.pre(false); // not a value an HTTP client can send
            return;
          }
          await expectNoServerError(await app.app.request(`${PUBLIC_URL}/v1/whoami`, { headers }));
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );
});

describe("the property budget", () => {
  it(`ran at least ${RUNS} generated cases per property`, () => {
    expect(counted.cases).toBeGreaterThanOrEqual(RUNS * 7 * 0.9);
  });
});
