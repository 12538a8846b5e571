/**
 * The replay race over real HTTP: the Node app (buildNodeSignet on SQLite) served by
 * @hono/node-server on a loopback port, and 50 concurrent copies of one token. Exactly one
 * may win, ten rounds in a row. Plus what only a real socket shows: two Authorization header
 * lines, and oversized headers.
 */
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, PUBLIC_URL, startHarness, type TestKey } from "../server/harness.js";
import { claimsFor, headerFor, NOW, type RawKey, rawKeyOf, recorded, signRaw } from "./support.js";

const ROUNDS = 10;
const COPIES = 50;

let h: Harness;
let admin: TestKey;
let raw: RawKey;
let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.bootstrap();
  raw = await rawKeyOf(admin);
  server = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" });
  if (!server.listening) await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await h?.close();
});

/** A raw HTTP/1.1 request, so header lines can repeat exactly as sent. */
function rawGet(
  path: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: "GET", headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe(`${COPIES} concurrent copies of one token over loopback HTTP`, () => {
  it(`exactly one gets 200, the rest replayed_token (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const token = await signRaw(raw, headerFor(admin.id), claimsFor(admin.id, NOW));
      // a cold key cache makes the copies race on the key lookup as well
      if (round % 2 === 0) h.deps.keyCache?.clear();
      const before = (await recorded(h)).replay;
      const responses = await Promise.all(
        Array.from({ length: COPIES }, () =>
          fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } }),
        ),
      );
      const bodies = await Promise.all(responses.map((response) => response.json()));
      const statuses = responses.map((response) => response.status);
      expect(
        statuses.filter((status) => status === 200),
        `round ${round}`,
      ).toHaveLength(1);
      expect(statuses.filter((status) => status === 401)).toHaveLength(COPIES - 1);
      const winner = bodies[statuses.indexOf(200)];
      expect(winner).toEqual({ key_id: admin.id, account_id: admin.accountId, scopes: admin.key.scopes });
      const losers = bodies.filter((_, index) => statuses[index] === 401);
      expect(new Set(losers.map((body) => body.code))).toEqual(new Set(["replayed_token"]));
      expect((await recorded(h)).replay).toBe(before + 1);
    }
  }, 60_000);

  it(`two tokens sharing one jti: one wins across ${COPIES} concurrent requests (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const claims = claimsFor(admin.id, NOW);
      const first = await signRaw(raw, headerFor(admin.id), claims);
      const second = await signRaw(raw, headerFor(admin.id), { ...claims, exp: NOW + 59 });
      expect(second).not.toBe(first);
      const statuses = await Promise.all(
        Array.from({ length: COPIES }, (_, index) =>
          fetch(`${base}/v1/whoami`, {
            headers: { authorization: `Bearer ${index % 2 ? first : second}` },
          }).then(async (response) => {
            await response.arrayBuffer();
            return response.status;
          }),
        ),
      );
      expect(
        statuses.filter((status) => status === 200),
        `round ${round}`,
      ).toHaveLength(1);
    }
  }, 60_000);
});

describe("what only a real socket shows", () => {
  it("two Authorization header lines are refused (Node would keep only the first)", async () => {
    const good = await signRaw(raw, headerFor(admin.id), claimsFor(admin.id, NOW));
    const other = await signRaw(raw, headerFor(admin.id), claimsFor(admin.id, NOW));
    const before = await recorded(h);
    const response = await rawGet("/v1/whoami", { authorization: [`Bearer ${good}`, `Bearer ${other}`] });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ code: "malformed_token" });
    expect((await recorded(h)).replay).toBe(before.replay);
    // and neither token was spent
    expect((await rawGet("/v1/whoami", { authorization: `Bearer ${good}` })).status).toBe(200);
  });

  it("an 8 KiB validly signed token is a 401 malformed_token; a 2 MiB one never reaches the app", async () => {
    const sign = (size: number) =>
      signRaw(
        raw,
        headerFor(admin.id),
        claimsFor(admin.id, NOW, "GET", "/v1/whoami", { pad: "x".repeat(size) }),
      );
    const before = await recorded(h);
    const eight = await rawGet("/v1/whoami", { authorization: `Bearer ${await sign(6 * 1024)}` });
    expect(eight.status).toBe(401);
    expect(JSON.parse(eight.body)).toMatchObject({ code: "malformed_token" });
    const huge = await rawGet("/v1/whoami", { authorization: `Bearer ${await sign(1536 * 1024)}` }).catch(
      (error: NodeJS.ErrnoException) => ({ status: 0, body: String(error.code) }),
    );
    // Node's 16 KiB header limit answers 431 (or drops the connection); either way, never 200
    expect([0, 431]).toContain(huge.status);
    expect(await recorded(h)).toEqual(before);
  });

  it("the server's answers name the public origin, not the socket's address", async () => {
    const token = await signRaw(raw, headerFor(admin.id), claimsFor(admin.id, NOW, "GET", "/v1/keys"));
    const response = await rawGet("/v1/whoami", { authorization: `Bearer ${token}`, host: "evil.test" });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({
      code: "request_mismatch",
      expected_htu: `${PUBLIC_URL}/v1/whoami`,
    });
  });
});
