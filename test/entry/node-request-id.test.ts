/**
 * On Node the request id goes onto the ServerResponse itself (no Headers object per response):
 * every response still carries exactly one X-Request-Id, whatever the app returned.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSignet, startSignet } from "../support/signet-server.js";

let running: RunningSignet;
let token: string;

beforeAll(async () => {
  running = await startSignet();
  const { signer } = await running.createKey(["demo:read"]);
  token = await signer.sign({ method: "GET", url: `${running.origin}/v1/whoami` });
});
afterAll(() => running?.close());

/** Status and the raw X-Request-Id header lines of one request. */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; ids: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${running.origin}${path}`, { headers }, (res) => {
      res.resume();
      const ids: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2)
        if (res.rawHeaders[i]?.toLowerCase() === "x-request-id") ids.push(res.rawHeaders[i + 1] as string);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ids }));
    });
    req.on("error", reject);
    req.end();
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("X-Request-Id on Node responses", () => {
  it("is on success, problem, not-found, HTML and redirect responses, once each", async () => {
    const answers = [
      await get("/v1/whoami", { authorization: `Bearer ${token}` }),
      await get("/v1/whoami"),
      await get("/nowhere"),
      await get("/console/sign-in"),
      await get("/console/keys"),
      await get("/healthz"),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 200, 303, 200]);
    for (const answer of answers) {
      expect(answer.ids).toHaveLength(1);
      expect(answer.ids[0]).toMatch(UUID);
    }
    expect(new Set(answers.map((a) => a.ids[0])).size).toBe(answers.length);
  });

  it("echoes a usable client id and replaces an unusable one", async () => {
    expect((await get("/healthz", { "x-request-id": "trace-42" })).ids).toEqual(["trace-42"]);
    const replaced = await get("/healthz", { "x-request-id": "has space" });
    expect(replaced.ids).toHaveLength(1);
    expect(replaced.ids[0]).toMatch(UUID);
  });
});
