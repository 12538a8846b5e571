import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, json, PUBLIC_URL, START_MS, startHarness, type TestKey } from "./harness.js";

let h: Harness;
let admin: TestKey;

beforeEach(async () => {
  h = await startHarness();
  admin = await h.bootstrap("acme");
});

afterEach(async () => {
  await h.close();
});

const HOUR = 3600_000;

/** Everything in a response that could carry private key material. */
function expectNoPrivateMaterial(
  text: string,
  credentials?: { private_key: string; credential: string },
): void {
  expect(text).not.toMatch(/PRIVATE KEY/);
  expect(text).not.toMatch(/"private_key"/);
  expect(text).not.toMatch(/"credential"/);
  expect(text).not.toMatch(/"d"\s*:/);
  expect(text).not.toMatch(/signet_sk_/);
  if (credentials) {
    const pemBody = credentials.private_key.split("\n").filter((line) => line && !line.startsWith("-----"));
    for (const line of pemBody) expect(text).not.toContain(line);
    expect(text).not.toContain(credentials.credential);
  }
}

describe("POST /v1/keys", () => {
  it("returns 201 with the key view and the credentials, once", async () => {
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "orders worker", scopes: ["demo:read", "orders:read"] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json(res);
    expect(body.key).toMatchObject({
      account_id: admin.accountId,
      name: "orders worker",
      status: "active",
      scopes: ["demo:read", "orders:read"],
      allowed_ips: [],
      reusable: false,
      created_by: `key:${admin.id}`,
      rotated_from: null,
      created_at: new Date(START_MS).toISOString(),
      expires_at: null,
      revoked_at: null,
    });
    expect(body.key.id).toMatch(/^key_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(body.key.public_key).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String) });
    expect(body.credentials).toMatchObject({
      type: "signet_service_key",
      key_id: body.key.id,
      account_id: admin.accountId,
      audience: PUBLIC_URL,
      scopes: ["demo:read", "orders:read"],
    });
    expect(body.credentials.private_key).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/,
    );
    expect(body.credentials.credential).toMatch(/^signet_sk_/);

    // the credentials work
    const signer = await h.signerFor(body.credentials);
    const whoami = await h.call(signer, "GET", "/v1/whoami");
    expect(whoami.status).toBe(200);
    expect(await json(whoami)).toEqual({
      key_id: body.key.id,
      account_id: admin.accountId,
      scopes: ["demo:read", "orders:read"],
    });

    // and are never shown again: not by GET, not by the list
    const one = await h.call(admin.signer, "GET", `/v1/keys/${body.key.id}`);
    expect(one.status).toBe(200);
    const oneText = await one.text();
    expectNoPrivateMaterial(oneText, body.credentials);
    expect(JSON.parse(oneText)).toEqual(body.key);

    const list = await h.call(admin.signer, "GET", "/v1/keys");
    expect(list.status).toBe(200);
    const listText = await list.text();
    expectNoPrivateMaterial(listText, body.credentials);
    expect(JSON.parse(listText).data.map((k: { id: string }) => k.id)).toContain(body.key.id);
  });

  it("accepts expires_at, allowed_ips and reusable", async () => {
    const expires = new Date(START_MS + 90 * 24 * HOUR).toISOString();
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: {
        name: "gw",
        scopes: ["demo:read"],
        expires_at: expires,
        allowed_ips: ["10.0.0.0/8", "192.168.1.7"],
        reusable: true,
      },
    });
    expect(res.status).toBe(201);
    const { key } = await json(res);
    expect(key.expires_at).toBe(expires);
    expect(key.allowed_ips).toEqual(["10.0.0.0/8", "192.168.1.7/32"]);
    expect(key.reusable).toBe(true);
  });
});

describe("GET /v1/keys", () => {
  it("lists newest first with cursor pagination", async () => {
    const made: string[] = [admin.id];
    for (let i = 0; i < 5; i++) {
      h.clock.advance(1000);
      const res = await h.call(admin.signer, "POST", "/v1/keys", {
        body: { name: `k${i}`, scopes: ["demo:read"] },
      });
      expect(res.status).toBe(201);
      made.push((await json(res)).key.id);
    }
    const expected = [...made].reverse();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const res = await h.call(admin.signer, "GET", `/v1/keys${query}`);
      expect(res.status).toBe(200);
      const page = await json(res);
      expect(page.data.length).toBeLessThanOrEqual(2);
      for (const key of page.data) expectNoPrivateMaterial(JSON.stringify(key));
      seen.push(...page.data.map((k: { id: string }) => k.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);

    const all = await json(await h.call(admin.signer, "GET", "/v1/keys?limit=100"));
    expect(all.data.map((k: { id: string }) => k.id)).toEqual(expected);
    expect(all.next_cursor).toBeNull();
  });
});

describe("PATCH /v1/keys/{id}", () => {
  it("changes name, scopes, allowed_ips, expires_at and disabled, and they take effect", async () => {
    const target = await h.createKey(admin.accountId, { name: "before", scopes: ["demo:read"] });
    expect((await h.call(target.signer, "GET", "/v1/demo/echo")).status).toBe(200); // cached now

    const expires = new Date(START_MS + 48 * HOUR).toISOString();
    const res = await h.call(admin.signer, "PATCH", `/v1/keys/${target.id}`, {
      body: {
        name: "after",
        scopes: ["orders:read", "demo:read"],
        allowed_ips: ["2001:db8::/32"],
        expires_at: expires,
      },
    });
    expect(res.status).toBe(200);
    const key = await json(res);
    expect(key).toMatchObject({
      id: target.id,
      name: "after",
      allowed_ips: ["2001:db8::/32"],
      expires_at: expires,
      status: "active",
    });
    expect([...key.scopes].sort()).toEqual(["demo:read", "orders:read"]);
    expect(await json(await h.call(admin.signer, "GET", `/v1/keys/${target.id}`))).toEqual(key);

    // allowed_ips now applies; app.request has no socket, so the address is unknown: refused
    const ipRes = await h.call(target.signer, "GET", "/v1/whoami");
    expect(ipRes.status).toBe(401);
    expect((await json(ipRes)).code).toBe("ip_not_allowed");

    // clear the ranges and take demo:read away
    const narrowed = await h.call(admin.signer, "PATCH", `/v1/keys/${target.id}`, {
      body: { allowed_ips: [], scopes: ["orders:read"], expires_at: null },
    });
    expect(narrowed.status).toBe(200);
    expect(await json(narrowed)).toMatchObject({
      allowed_ips: [],
      scopes: ["orders:read"],
      expires_at: null,
    });
    const echo = await h.call(target.signer, "GET", "/v1/demo/echo");
    expect(echo.status).toBe(403);
    expect((await json(echo)).missing_scopes).toEqual(["demo:read"]);

    // disable, then enable again
    const disabled = await h.call(admin.signer, "PATCH", `/v1/keys/${target.id}`, {
      body: { disabled: true },
    });
    expect((await json(disabled)).status).toBe("disabled");
    const refused = await h.call(target.signer, "GET", "/v1/whoami");
    expect(refused.status).toBe(401);
    expect((await json(refused)).code).toBe("key_disabled");
    const enabled = await h.call(admin.signer, "PATCH", `/v1/keys/${target.id}`, {
      body: { disabled: false },
    });
    expect((await json(enabled)).status).toBe("active");
    expect((await h.call(target.signer, "GET", "/v1/whoami")).status).toBe(200);
  });

  it("refuses to change a revoked key (409)", async () => {
    const target = await h.createKey(admin.accountId);
    expect((await h.call(admin.signer, "POST", `/v1/keys/${target.id}/revoke`)).status).toBe(200);
    const res = await h.call(admin.signer, "PATCH", `/v1/keys/${target.id}`, { body: { disabled: false } });
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("conflict");
  });
});

describe("POST /v1/keys/{id}/rotate", () => {
  it("issues new credentials and lets the old key work for the default 24 h grace", async () => {
    const old = await h.createKey(admin.accountId, {
      name: "rotating",
      scopes: ["demo:read", "orders:read"],
    });
    expect((await h.call(old.signer, "GET", "/v1/whoami")).status).toBe(200);

    const res = await h.call(admin.signer, "POST", `/v1/keys/${old.id}/rotate`);
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json(res);
    expect(body.previous.id).toBe(old.id);
    expect(Date.parse(body.previous.expires_at)).toBe(START_MS + 24 * HOUR);
    expect(body.key).toMatchObject({
      name: "rotating",
      scopes: ["demo:read", "orders:read"],
      rotated_from: old.id,
    });
    expect(body.key.id).not.toBe(old.id);
    expect(body.credentials.key_id).toBe(body.key.id);
    expect(body.credentials.private_key).not.toBe(old.credentials.private_key);

    const fresh = await h.signerFor(body.credentials);
    expect((await h.call(fresh, "GET", "/v1/whoami")).status).toBe(200);
    expect((await h.call(old.signer, "GET", "/v1/whoami")).status).toBe(200);

    h.clock.advance(24 * HOUR - 1000);
    expect((await h.call(old.signer, "GET", "/v1/whoami")).status).toBe(200);
    h.clock.advance(1000);
    const expired = await h.call(old.signer, "GET", "/v1/whoami");
    expect(expired.status).toBe(401);
    expect((await json(expired)).code).toBe("key_expired");
    expect((await h.call(fresh, "GET", "/v1/whoami")).status).toBe(200);
  });

  it("respects grace_period_seconds from the body", async () => {
    const old = await h.createKey(admin.accountId);
    expect((await h.call(old.signer, "GET", "/v1/whoami")).status).toBe(200); // cached before the rotation
    const res = await h.call(admin.signer, "POST", `/v1/keys/${old.id}/rotate`, {
      body: { grace_period_seconds: 120 },
    });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(Date.parse(body.previous.expires_at)).toBe(START_MS + 120_000);

    h.clock.advance(119_000);
    expect((await h.call(old.signer, "GET", "/v1/whoami")).status).toBe(200);
    h.clock.advance(1000);
    const expired = await h.call(old.signer, "GET", "/v1/whoami");
    expect(expired.status).toBe(401);
    expect(await json(expired)).toMatchObject({ code: "key_expired", key_id: old.id });
  });

  it("with grace 0 the old key stops at once", async () => {
    const old = await h.createKey(admin.accountId);
    expect((await h.call(old.signer, "GET", "/v1/whoami")).status).toBe(200);
    const res = await h.call(admin.signer, "POST", `/v1/keys/${old.id}/rotate`, {
      body: { grace_period_seconds: 0 },
    });
    expect(res.status).toBe(201);
    const refused = await h.call(old.signer, "GET", "/v1/whoami");
    expect((await json(refused)).code).toBe("key_expired");
  });
});

describe("POST /v1/keys/{id}/revoke", () => {
  it("refuses the key on the very next request (cache invalidated at once)", async () => {
    const target = await h.createKey(admin.accountId);
    expect((await h.call(target.signer, "GET", "/v1/whoami")).status).toBe(200);
    expect(h.deps.keyCache?.stats().entries).toBeGreaterThanOrEqual(1);

    const res = await h.call(admin.signer, "POST", `/v1/keys/${target.id}/revoke`);
    expect(res.status).toBe(200);
    const key = await json(res);
    expect(key).toMatchObject({
      id: target.id,
      status: "revoked",
      revoked_at: new Date(START_MS).toISOString(),
    });

    const refused = await h.call(target.signer, "GET", "/v1/whoami");
    expect(refused.status).toBe(401);
    expect(await json(refused)).toMatchObject({ code: "key_revoked", key_id: target.id });

    // revoking again is harmless; rotating a revoked key is a conflict
    expect((await h.call(admin.signer, "POST", `/v1/keys/${target.id}/revoke`)).status).toBe(200);
    expect((await h.call(admin.signer, "POST", `/v1/keys/${target.id}/rotate`)).status).toBe(409);
  });
});

describe("accounts are isolated", () => {
  it("a key of account A cannot see or touch account B's keys (404)", async () => {
    const otherAdmin = await h.bootstrap("globex");
    const theirs = await h.createKey(otherAdmin.accountId);
    const calls: Array<[string, string, unknown]> = [
      ["GET", `/v1/keys/${theirs.id}`, undefined],
      ["PATCH", `/v1/keys/${theirs.id}`, { disabled: true }],
      ["POST", `/v1/keys/${theirs.id}/rotate`, undefined],
      ["POST", `/v1/keys/${theirs.id}/revoke`, undefined],
    ];
    for (const [method, path, body] of calls) {
      const res = await h.call(admin.signer, method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(res)).code).toBe("not_found");
    }
    // the same answer as for a key that does not exist at all
    const missing = await h.call(admin.signer, "GET", "/v1/keys/key_00000000000000000000000000");
    expect(missing.status).toBe(404);
    expect((await json(missing)).detail).toBe("no such key");

    const ours = await json(await h.call(admin.signer, "GET", "/v1/keys?limit=100"));
    expect(ours.data.map((k: { id: string }) => k.id)).not.toContain(theirs.id);
    expect(ours.data.every((k: { account_id: string }) => k.account_id === admin.accountId)).toBe(true);
    const audit = await json(await h.call(admin.signer, "GET", "/v1/audit-events?limit=100"));
    expect(audit.data.every((e: { account_id: string }) => e.account_id === admin.accountId)).toBe(true);

    // nothing happened to it
    expect((await h.call(theirs.signer, "GET", "/v1/whoami")).status).toBe(200);
    const view = await json(await h.call(otherAdmin.signer, "GET", `/v1/keys/${theirs.id}`));
    expect(view).toMatchObject({ status: "active", rotated_from: null });
  });
});

describe("keys:manage", () => {
  it("a key without keys:manage gets 403 insufficient_scope", async () => {
    const reader = await h.createKey(admin.accountId, { scopes: ["demo:read"] });
    for (const [method, path] of [
      ["GET", "/v1/keys"],
      ["POST", "/v1/keys"],
      ["GET", `/v1/keys/${admin.id}`],
      ["POST", `/v1/keys/${admin.id}/revoke`],
      ["GET", "/v1/audit-events"],
    ] as const) {
      const res = await h.call(reader.signer, method, path, {
        body: method === "POST" ? { name: "x", scopes: ["demo:read"] } : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
      expect(res.headers.get("www-authenticate")).toContain('scope="keys:manage"');
      expect(await json(res)).toMatchObject({
        status: 403,
        code: "insufficient_scope",
        missing_scopes: ["keys:manage"],
      });
    }
    expect((await h.counts(admin.accountId)).keys).toBe(2);
    expect((await h.call(admin.signer, "GET", "/v1/whoami")).status).toBe(200); // admin not revoked
  });

  it("a keys:manage key narrowed by the token's scope claim is refused too", async () => {
    const res = await h.call(admin.signer, "GET", "/v1/keys", { scope: ["demo:read"] });
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("insufficient_scope");
  });

  it("no token at all is 401", async () => {
    const res = await h.send(null, "GET", "/v1/keys");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

describe("GET /v1/audit-events", () => {
  it("records created, updated, rotated and revoked with the acting key", async () => {
    h.clock.advance(1000);
    const created = await json(
      await h.call(admin.signer, "POST", "/v1/keys", { body: { name: "audited", scopes: ["demo:read"] } }),
    );
    const id = created.key.id;
    h.clock.advance(1000);
    expect(
      (await h.call(admin.signer, "PATCH", `/v1/keys/${id}`, { body: { name: "renamed" } })).status,
    ).toBe(200);
    h.clock.advance(1000);
    const rotated = await json(await h.call(admin.signer, "POST", `/v1/keys/${id}/rotate`));
    h.clock.advance(1000);
    expect((await h.call(admin.signer, "POST", `/v1/keys/${rotated.key.id}/revoke`)).status).toBe(200);

    const res = await h.call(admin.signer, "GET", "/v1/audit-events?limit=100");
    expect(res.status).toBe(200);
    const text = await res.text();
    expectNoPrivateMaterial(text, created.credentials);
    expectNoPrivateMaterial(text, rotated.credentials);
    const events = JSON.parse(text).data as Array<Record<string, unknown>>;
    const actor = `key:${admin.id}`;
    expect(events.slice(0, 4).map((e) => [e.action, e.key_id, e.actor])).toEqual([
      ["key.revoked", rotated.key.id, actor],
      ["key.rotated", rotated.key.id, actor],
      ["key.updated", id, actor],
      ["key.created", id, actor],
    ]);
    expect(events[1]?.details).toMatchObject({ previous_key_id: id });
    expect(events[2]?.details).toMatchObject({ name: "renamed" });
    expect(events[3]?.created_at).toBe(new Date(START_MS + 1000).toISOString());
    // the bootstrap, by the operator CLI (same instant, so in either order)
    expect(
      events
        .slice(4)
        .map((e) => `${e.action} ${e.actor}`)
        .sort(),
    ).toEqual(["account.created cli", "key.created cli"]);

    const forKey = await json(await h.call(admin.signer, "GET", `/v1/audit-events?key_id=${id}`));
    expect(forKey.data.map((e: { action: string }) => e.action)).toEqual(["key.updated", "key.created"]);
  });
});

describe("bring your own public key", () => {
  async function ownPair() {
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    return { pair, jwk, spki: await exportSPKI(pair.publicKey) };
  }

  it("registers a JWK (201, credentials null) and the holder can sign with it", async () => {
    const { pair, jwk } = await ownPair();
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "byo", scopes: ["demo:read"], public_key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } },
    });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.credentials).toBeNull();
    expect(body.key.public_key).toEqual({ kty: "OKP", crv: "Ed25519", x: jwk.x });

    const iat = Math.floor(h.clock.now() / 1000);
    const token = await new SignJWT({
      htm: "GET",
      htu: `${PUBLIC_URL}/v1/whoami`,
      jti: "byo-jti-0123456789abcdef",
    })
      .setProtectedHeader({ alg: "EdDSA", typ: "signet+jwt", kid: body.key.id })
      .setIssuer(body.key.id)
      .setSubject(body.key.id)
      .setAudience(PUBLIC_URL)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(pair.privateKey);
    const whoami = await h.send(token, "GET", "/v1/whoami");
    expect(whoami.status).toBe(200);
    expect((await json(whoami)).key_id).toBe(body.key.id);
  });

  it("registers an SPKI PEM (201, credentials null)", async () => {
    const { jwk, spki } = await ownPair();
    expect(spki).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "byo-pem", scopes: ["demo:read"], public_key: spki },
    });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.credentials).toBeNull();
    expect(body.key.public_key.x).toBe(jwk.x);
    const audit = await json(await h.call(admin.signer, "GET", `/v1/audit-events?key_id=${body.key.id}`));
    expect(audit.data[0].details).toMatchObject({ generated_by: "client" });
  });

  it("rejects a JWK carrying d with 400 naming public_key, and stores nothing", async () => {
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    expect(privateJwk.d).toBeDefined();
    const before = await h.counts(admin.accountId);
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "leaky", scopes: ["demo:read"], public_key: privateJwk },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = await json(res);
    expect(problem.field).toBe("public_key");
    expect(problem.detail).toMatch(/\bd\b/);
    expect(JSON.stringify(problem)).not.toContain(privateJwk.d);
    expect(await h.counts(admin.accountId)).toEqual(before);
  });

  it("rejects a public key that is already registered (409)", async () => {
    const { jwk, spki } = await ownPair();
    const first = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "one", scopes: ["demo:read"], public_key: { kty: "OKP", crv: "Ed25519", x: jwk.x } },
    });
    expect(first.status).toBe(201);
    const before = await h.counts(admin.accountId);
    const again = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "two", scopes: ["demo:read"], public_key: spki },
    });
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("conflict");
    expect(await h.counts(admin.accountId)).toEqual(before);
  });

  it("rejects a small-order point and a non-Ed25519 PEM with 400 naming public_key", async () => {
    const smallOrder = { kty: "OKP", crv: "Ed25519", x: Buffer.alloc(32).toString("base64url") }; // y = 0
    const rsa = await generateKeyPair("RS256", { extractable: true });
    for (const publicKey of [smallOrder, await exportSPKI(rsa.publicKey)]) {
      const res = await h.call(admin.signer, "POST", "/v1/keys", {
        body: { name: "bad", scopes: ["demo:read"], public_key: publicKey },
      });
      expect(res.status).toBe(400);
      expect((await json(res)).field).toBe("public_key");
    }
  });

  it("a private key PEM in public_key is refused without echoing it", async () => {
    const pem = admin.credentials.private_key;
    const res = await h.call(admin.signer, "POST", "/v1/keys", {
      body: { name: "oops", scopes: ["demo:read"], public_key: pem },
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text).field).toBe("public_key");
    expectNoPrivateMaterial(text, admin.credentials);
  });
});
