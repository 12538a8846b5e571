/**
 * /v1/ext-authz/{path}: Envoy's HTTP ext_authz check (path_prefix /v1/ext-authz). The check
 * arrives with the original method and path; 200 with the caller's identity, else 401.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, json, PUBLIC_URL, startHarness, type TestKey } from "./harness.js";

let h: Harness;
let key: TestKey;

beforeAll(async () => {
  h = await startHarness();
  const accountId = await h.createAccount("acme");
  key = await h.createKey(accountId, { scopes: ["orders:read", "orders:write"] });
});
afterAll(() => h?.close());

const check = (method: string, path: string, token: string | null) =>
  h.app.request(`${PUBLIC_URL}/v1/ext-authz${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe("/v1/ext-authz", () => {
  it("allows a request signed for the original method and path, with the caller in headers", async () => {
    const token = await key.signer.sign({ method: "POST", url: `${PUBLIC_URL}/orders/42?expand=items` });
    const response = await check("POST", "/orders/42?expand=items", token);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-signet-key-id")).toBe(key.id);
    expect(response.headers.get("x-signet-account-id")).toBe(key.accountId);
    expect(response.headers.get("x-signet-scopes")).toBe("orders:read orders:write");
  });

  it("checks the root path and DELETE too", async () => {
    const token = await key.signer.sign({ method: "DELETE", url: `${PUBLIC_URL}/` });
    expect((await check("DELETE", "/", token)).status).toBe(200);
  });

  it("refuses a token signed for another method or path, a replay, and no token", async () => {
    const token = await key.signer.sign({ method: "GET", url: `${PUBLIC_URL}/orders/42` });
    const wrongMethod = await check("POST", "/orders/42", token);
    expect(wrongMethod.status).toBe(401);
    expect(await json(wrongMethod)).toMatchObject({ code: "request_mismatch", expected_htm: "POST" });

    const other = await key.signer.sign({ method: "GET", url: `${PUBLIC_URL}/orders/43` });
    expect(await json(await check("GET", "/orders/42", other))).toMatchObject({ code: "request_mismatch" });

    const fresh = await key.signer.sign({ method: "GET", url: `${PUBLIC_URL}/orders/42` });
    expect((await check("GET", "/orders/42", fresh)).status).toBe(200);
    expect(await json(await check("GET", "/orders/42", fresh))).toMatchObject({ code: "replayed_token" });

    const none = await check("GET", "/orders/42", null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
  });
});
