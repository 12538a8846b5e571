/**
 * Acceptance: malformed JSON, unknown fields, wrong types, oversized bodies (> 64 KiB) on the
 * management API get 400 problem+json naming the field; nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/server/app.js";
import { type CallOptions, type Harness, json, startHarness, type TestKey } from "./harness.js";

let h: Harness;
let admin: TestKey;
let target: TestKey;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.bootstrap("acme");
  target = await h.createKey(admin.accountId, { name: "target", scopes: ["demo:read"] });
});

afterAll(async () => {
  await h.close();
});

interface BadCase {
  name: string;
  request: CallOptions;
  field: string;
  detail?: RegExp;
}

const big = "A".repeat(MAX_BODY_BYTES + 1024);

const createCases: BadCase[] = [
  {
    name: "malformed JSON",
    request: { rawBody: '{"name": "x", "scopes": [' },
    field: "body",
    detail: /JSON/,
  },
  { name: "a JSON array", request: { body: [] }, field: "body", detail: /object/i },
  {
    name: "an unknown field",
    request: { body: { name: "x", scopes: ["demo:read"], colour: "red" } },
    field: "colour",
  },
  { name: "a missing field", request: { body: { scopes: ["demo:read"] } }, field: "name" },
  { name: "scopes of the wrong type", request: { body: { name: "x", scopes: "x" } }, field: "scopes" },
  { name: "a scope of the wrong type", request: { body: { name: "x", scopes: [7] } }, field: "scopes.0" },
  { name: "a name of the wrong type", request: { body: { name: 42, scopes: ["demo:read"] } }, field: "name" },
  {
    name: "a badly formed scope",
    request: { body: { name: "x", scopes: ["Not A Scope"] } },
    field: "scopes",
  },
  { name: "no scopes", request: { body: { name: "x", scopes: [] } }, field: "scopes" },
  {
    name: "a bad CIDR",
    request: { body: { name: "x", scopes: ["demo:read"], allowed_ips: ["10.0.0.0/99"] } },
    field: "allowed_ips",
  },
  {
    name: "a non-IP range",
    request: { body: { name: "x", scopes: ["demo:read"], allowed_ips: ["example.com"] } },
    field: "allowed_ips",
  },
  {
    name: "expires_at in the past",
    request: { body: { name: "x", scopes: ["demo:read"], expires_at: "2000-01-01T00:00:00Z" } },
    field: "expires_at",
    detail: /future/,
  },
  {
    name: "expires_at not a date",
    request: { body: { name: "x", scopes: ["demo:read"], expires_at: "tomorrow" } },
    field: "expires_at",
  },
  {
    name: "reusable of the wrong type",
    request: { body: { name: "x", scopes: ["demo:read"], reusable: "yes" } },
    field: "reusable",
  },
  {
    name: "a body over 64 KiB",
    request: { body: { name: "x", scopes: ["demo:read"], public_key: big } },
    field: "body",
    detail: /65536 bytes/,
  },
];

const updateCases: BadCase[] = [
  { name: "malformed JSON", request: { rawBody: "{name: 'x'}" }, field: "body", detail: /JSON/ },
  { name: "an unknown field", request: { body: { name: "x", revoked: true } }, field: "revoked" },
  { name: "a read-only field", request: { body: { public_key: { kty: "OKP" } } }, field: "public_key" },
  { name: "scopes of the wrong type", request: { body: { scopes: "x" } }, field: "scopes" },
  { name: "disabled of the wrong type", request: { body: { disabled: "true" } }, field: "disabled" },
  {
    name: "a badly formed scope",
    request: { body: { scopes: ["demo:read", "UPPER:case"] } },
    field: "scopes",
  },
  { name: "a bad CIDR", request: { body: { allowed_ips: ["300.1.1.1/8"] } }, field: "allowed_ips" },
  {
    name: "expires_at in the past",
    request: { body: { expires_at: "2001-09-09T01:46:40Z" } },
    field: "expires_at",
  },
  { name: "an empty name", request: { body: { name: "" } }, field: "name" },
  { name: "a name with control characters", request: { body: { name: "a\u0000b" } }, field: "name" },
  { name: "a body over 64 KiB", request: { body: { name: big } }, field: "body", detail: /65536 bytes/ },
];

async function expectRejected(res: Response, bad: BadCase): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = await json(res);
  expect(body).toMatchObject({ status: 400, code: "invalid_request", field: bad.field });
  expect(typeof body.detail).toBe("string");
  if (bad.field) expect(body.detail).toContain(bad.field.split(".")[0]);
  if (bad.detail) expect(body.detail).toMatch(bad.detail);
  expect(body.request_id).toEqual(expect.any(String));
  expect(JSON.stringify(body).length).toBeLessThan(2000); // never echoes the oversized input
}

describe("POST /v1/keys rejects bad input with 400 naming the field, storing nothing", () => {
  it.each(createCases)("$name → field $field", async (bad) => {
    const before = await h.counts(admin.accountId);
    const res = await h.call(admin.signer, "POST", "/v1/keys", bad.request);
    await expectRejected(res, bad);
    expect(await h.counts(admin.accountId)).toEqual(before);
  });

  it("a good body after all that still works (the harness is not the problem)", async () => {
    const before = await h.counts(admin.accountId);
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "fine", scopes: ["demo:read"] },
    });
    expect(res.status).toBe(201);
    expect(await h.counts(admin.accountId)).toEqual({ keys: before.keys + 1, audit: before.audit + 1 });
  });
});

describe("PATCH /v1/keys/{id} rejects bad input with 400 naming the field, changing nothing", () => {
  it.each(updateCases)("$name → field $field", async (bad) => {
    const before = await h.counts(admin.accountId);
    const viewBefore = await json(await h.call(admin.signer, "GET", `/v1/keys/${target.id}`));
    const res = await h.call(admin.signer, "PATCH", `/v1/keys/${target.id}`, bad.request);
    await expectRejected(res, bad);
    expect(await h.counts(admin.accountId)).toEqual(before);
    expect(await json(await h.call(admin.signer, "GET", `/v1/keys/${target.id}`))).toEqual(viewBefore);
  });
});

describe("rotate rejects a bad grace period", () => {
  it.each([
    { body: { grace_period_seconds: -1 }, field: "grace_period_seconds" },
    { body: { grace_period_seconds: "1h" }, field: "grace_period_seconds" },
    { body: { grace: 10 }, field: "grace" },
  ])("$body → $field", async ({ body, field }) => {
    const before = await h.counts(admin.accountId);
    const res = await h.call(admin.signer, "POST", `/v1/keys/${target.id}/rotate`, { body });
    await expectRejected(res, { name: "", request: {}, field });
    expect(await h.counts(admin.accountId)).toEqual(before);
  });
});

describe("pagination input", () => {
  it.each(["/v1/keys", "/v1/audit-events"])("%s with a bad cursor is 400 naming cursor", async (path) => {
    for (const cursor of ["garbage!", btoa("123:not_an_id"), "x".repeat(201)]) {
      const res = await h.call(admin.signer, "GET", `${path}?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(res)).field).toBe("cursor");
    }
  });

  it("a bad limit is 400 naming limit", async () => {
    for (const limit of ["0", "101", "ten"]) {
      const res = await h.call(admin.signer, "GET", `/v1/keys?limit=${limit}`);
      expect(res.status).toBe(400);
      expect((await json(res)).field).toBe("limit");
    }
  });

  it("an unknown query parameter is 400 naming it", async () => {
    const res = await h.call(admin.signer, "GET", "/v1/keys?sort=asc");
    expect(res.status).toBe(400);
    expect((await json(res)).field).toBe("sort");
  });
});
