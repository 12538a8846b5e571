/**
 * Signet's body limit decides from the headers when they are enough, so it never builds the
 * request body stream for a GET or a request with a Content-Length (on @hono/node-server that
 * stream costs a full Web Request per request), and counts the bytes when they are not.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/server/env.js";
import { bodyLimit } from "../../src/server/middleware/body-limit.js";

const MAX = 16;

function app() {
  const limited = new Hono<AppEnv>();
  limited.use("*", bodyLimit({ maxSize: MAX, onError: (c) => c.text("too large", 413) }));
  limited.all("/", async (c) => c.text(`got ${(await c.req.text()).length}`));
  return limited;
}

/** A request whose body stream throws if anyone touches it. */
function untouchable(init: RequestInit & { method: string }): Request {
  const request = new Request("http://signet.test/", init);
  Object.defineProperty(request, "body", {
    get() {
      throw new Error("the body stream was read");
    },
  });
  return request;
}

function chunked(text: string): Request {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 4) controller.enqueue(bytes.subarray(i, i + 4));
      controller.close();
    },
  });
  return new Request("http://signet.test/", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("bodyLimit", () => {
  it("checks options at construction", () => {
    expect(() => bodyLimit({ maxSize: -1, onError: (c) => c.text("", 413) })).toThrow(/maxSize/);
    expect(() => bodyLimit({ maxSize: 1.5, onError: (c) => c.text("", 413) })).toThrow(/maxSize/);
  });

  it("lets a GET without a body through without touching the body stream", async () => {
    const response = await app().fetch(untouchable({ method: "GET" }));
    expect(response.status).toBe(200);
  });

  it("judges a request with a Content-Length by its length, without touching the body stream", async () => {
    const over = untouchable({ method: "POST", headers: { "content-length": String(MAX + 1) } });
    expect((await app().fetch(over)).status).toBe(413);
    const atLimit = await app().request("/", { method: "POST", body: "x".repeat(MAX) });
    expect(atLimit.status).toBe(200);
    expect(await atLimit.text()).toBe(`got ${MAX}`);
  });

  it("counts the bytes of a body sent without a length", async () => {
    const small = await app().fetch(chunked("x".repeat(MAX)));
    expect(small.status).toBe(200);
    expect(await small.text()).toBe(`got ${MAX}`);
    expect((await app().fetch(chunked("x".repeat(MAX + 1)))).status).toBe(413);
  });
});
