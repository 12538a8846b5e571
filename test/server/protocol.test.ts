import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair, importPKCS8, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newKeyId } from "../../src/core/ids.js";
import { type Harness, json, PUBLIC_URL, startHarness, type TestKey } from "./harness.js";

let h: Harness;
let admin: TestKey;

beforeEach(async () => {
  h = await startHarness();
  admin = await h.bootstrap("acme");
});

afterEach(async () => {
  await h.close();
});

let jtiCounter = 0;
const newJti = () =>
  `plain-jose-${String(++jtiCounter).padStart(6, "0")}-${Math.random().toString(36).slice(2)}`;

interface JoseTokenOptions {
  kid?: string;
  key?: CryptoKey;
  method?: string;
  url?: string;
  claims?: Record<string, unknown>;
  /** Leave htm, htu and jti out (reusable keys). */
  unbound?: boolean;
}

/** Signs an assertion with plain jose (not Signet's client), as DESIGN §3 describes it. */
async function joseToken(
  credentials: { key_id: string; audience: string; private_key: string },
  options: JoseTokenOptions = {},
) {
  const kid = options.kid ?? credentials.key_id;
  const key = options.key ?? ((await importPKCS8(credentials.private_key, "EdDSA")) as CryptoKey);
  const iat = Math.floor(h.clock.now() / 1000);
  const bound = options.unbound
    ? {}
    : { htm: options.method ?? "GET", htu: options.url ?? `${PUBLIC_URL}/v1/whoami`, jti: newJti() };
  const claims = {
    iss: credentials.key_id,
    sub: credentials.key_id,
    aud: credentials.audience,
    iat,
    exp: iat + 60,
    ...bound,
    ...options.claims,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "signet+jwt", kid }).sign(key);
}

function expectInvalidToken401(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="signet", error="invalid_token"/);
}

const withoutRequestId = (body: Record<string, unknown>) => {
  const { request_id: _ignored, ...rest } = body;
  return rest;
};

describe("assertions signed with plain jose from the credentials file", () => {
  it("are accepted by the server", async () => {
    const worker = await h.createKey(admin.accountId, {
      name: "worker",
      scopes: ["demo:read", "orders:read"],
    });
    const path = join(h.db.dir, "credentials.json");
    writeFileSync(path, JSON.stringify(worker.credentials, null, 2));
    const file = JSON.parse(readFileSync(path, "utf8"));

    const token = await joseToken(file);
    const res = await h.send(token, "GET", "/v1/whoami");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      key_id: worker.id,
      account_id: admin.accountId,
      scopes: ["demo:read", "orders:read"],
    });

    const echo = await h.send(
      await joseToken(file, { url: `${PUBLIC_URL}/v1/demo/echo` }),
      "GET",
      "/v1/demo/echo?message=hi",
    );
    expect(echo.status).toBe(200);
    expect(await json(echo)).toEqual({ message: "hi", key_id: worker.id, account_id: admin.accountId });

    // the scope claim narrows the token
    const narrowed = await joseToken(file, { claims: { scope: "orders:read" } });
    expect((await json(await h.send(narrowed, "GET", "/v1/whoami"))).scopes).toEqual(["orders:read"]);
  });
});

describe("/v1/demo/echo", () => {
  it("needs demo:read (403 without it)", async () => {
    const other = await h.createKey(admin.accountId, { scopes: ["orders:read"] });
    const res = await h.call(other.signer, "GET", "/v1/demo/echo");
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(await json(res)).toMatchObject({
      code: "insufficient_scope",
      required_scopes: ["demo:read"],
      missing_scopes: ["demo:read"],
      granted_scopes: ["orders:read"],
    });

    const ok = await h.call(admin.signer, "GET", "/v1/demo/echo?message=ping");
    expect(ok.status).toBe(200);
    expect((await json(ok)).message).toBe("ping");
  });
});

describe("401 responses", () => {
  it("the same token twice: the second is replayed_token", async () => {
    const token = await joseToken(admin.credentials);
    expect((await h.send(token, "GET", "/v1/whoami")).status).toBe(200);
    const second = await h.send(token, "GET", "/v1/whoami");
    expectInvalidToken401(second);
    expect(second.headers.get("www-authenticate")).toContain('error_description="replayed_token"');
    const body = await json(second);
    expect(body).toMatchObject({ status: 401, code: "replayed_token" });
    expect(JSON.stringify(body)).not.toContain(token);
    expect(JSON.stringify(body)).not.toContain(token.split(".")[2]);
  });

  it("carry WWW-Authenticate and problem+json, and never echo the token", async () => {
    const good = await joseToken(admin.credentials);
    const cases: Array<[string, string | null, string]> = [
      ["no header", null, "malformed_token"],
      ["not a JWT", "not-a-jwt", "malformed_token"],
      ["signature altered", `${good.slice(0, -2)}${good.endsWith("AA") ? "BB" : "AA"}`, "invalid_token"],
      [
        "wrong audience",
        await joseToken({ ...admin.credentials, audience: "https://evil.example" }),
        "audience_mismatch",
      ],
      ["wrong method", await joseToken(admin.credentials, { method: "POST" }), "request_mismatch"],
      [
        "wrong path",
        await joseToken(admin.credentials, { url: `${PUBLIC_URL}/v1/keys` }),
        "request_mismatch",
      ],
      [
        "expired",
        await joseToken(admin.credentials, { claims: { iat: 1_600_000_000, exp: 1_600_000_060 } }),
        "token_expired",
      ],
    ];
    for (const [name, token, code] of cases) {
      const res = await h.send(token, "GET", "/v1/whoami");
      expectInvalidToken401(res);
      const text = await res.text();
      const body = JSON.parse(text);
      expect(body.code, name).toBe(code);
      expect(body.type).toBe(`https://signet.dev/problems/${code}`);
      if (token) {
        expect(text, name).not.toContain(token);
        for (const segment of token.split("."))
          if (segment.length > 8) expect(text, name).not.toContain(segment);
      }
    }
  });

  it("precise errors after the signature holds: expected audience, htm/htu, server time", async () => {
    const aud = await json(
      await h.send(await joseToken({ ...admin.credentials, audience: "x" }), "GET", "/v1/whoami"),
    );
    expect(aud.expected_audience).toBe(PUBLIC_URL);
    const htu = await json(
      await h.send(
        await joseToken(admin.credentials, { url: `${PUBLIC_URL}/v1/other` }),
        "GET",
        "/v1/whoami",
      ),
    );
    expect(htu.expected_htu).toBe(`${PUBLIC_URL}/v1/whoami`);
    const htm = await json(
      await h.send(await joseToken(admin.credentials, { method: "DELETE" }), "GET", "/v1/whoami"),
    );
    expect(htm.expected_htm).toBe("GET");
    const old = await json(
      await h.send(
        await joseToken(admin.credentials, { claims: { iat: 1_600_000_000, exp: 1_600_000_060 } }),
        "GET",
        "/v1/whoami",
      ),
    );
    expect(old.server_time).toBe(Math.floor(h.clock.now() / 1000));
  });

  it("an unknown kid and a bad signature give identical answers apart from request_id", async () => {
    const stranger = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const unknownKid = await joseToken(admin.credentials, { kid: newKeyId() });
    const badSignature = await joseToken(admin.credentials, { key: stranger.privateKey as CryptoKey });
    const a = await h.send(unknownKid, "GET", "/v1/whoami");
    const b = await h.send(badSignature, "GET", "/v1/whoami");
    expectInvalidToken401(a);
    expectInvalidToken401(b);
    expect(a.headers.get("www-authenticate")).toBe(b.headers.get("www-authenticate"));
    const bodyA = await json(a);
    const bodyB = await json(b);
    expect(bodyA.code).toBe("invalid_token");
    expect(bodyA.request_id).not.toBe(bodyB.request_id);
    expect(withoutRequestId(bodyA)).toEqual(withoutRequestId(bodyB));
    expect(bodyA).not.toHaveProperty("key_id");
    expect(bodyA).not.toHaveProperty("server_time");
  });

  it("a bad signature records nothing: the jti is still fresh for the real key", async () => {
    const stranger = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const claims = { jti: "shared-jti-0123456789abcdef" };
    const forged = await joseToken(admin.credentials, { key: stranger.privateKey as CryptoKey, claims });
    expect((await h.send(forged, "GET", "/v1/whoami")).status).toBe(401);
    const real = await joseToken(admin.credentials, { claims });
    expect((await h.send(real, "GET", "/v1/whoami")).status).toBe(200);
  });
});

describe("htu", () => {
  it("is compared without the request's query string", async () => {
    const token = await joseToken(admin.credentials, { url: `${PUBLIC_URL}/v1/demo/echo` });
    const res = await h.send(token, "GET", "/v1/demo/echo?message=with%20query&x=1");
    expect(res.status).toBe(200);
    expect((await json(res)).message).toBe("with query");
  });

  it("a query in the token's htu is ignored too, a different path is not", async () => {
    const withQuery = await joseToken(admin.credentials, { url: `${PUBLIC_URL}/v1/whoami?a=b` });
    expect((await h.send(withQuery, "GET", "/v1/whoami")).status).toBe(200);
    const otherHost = await joseToken(admin.credentials, { url: "http://other.test/v1/whoami" });
    expect((await json(await h.send(otherHost, "GET", "/v1/whoami"))).code).toBe("request_mismatch");
  });
});

describe("POST /v1/verify", () => {
  it("verifies a client's token for a gateway holding signet:verify", async () => {
    const gateway = await h.createKey(admin.accountId, { name: "gateway", scopes: ["signet:verify"] });
    const client = await h.createKey(admin.accountId, {
      name: "client",
      scopes: ["orders:read", "orders:write"],
    });
    const url = `${PUBLIC_URL}/v1/orders?page=2`;
    const clientToken = await joseToken(client.credentials, {
      method: "GET",
      url: `${PUBLIC_URL}/v1/orders`,
    });
    const body = { token: clientToken, method: "GET", url, scopes: ["orders:read"] };

    const first = await h.call(gateway.signer, "POST", "/v1/verify", { body });
    expect(first.status).toBe(200);
    expect(await json(first)).toEqual({
      valid: true,
      key_id: client.id,
      account_id: admin.accountId,
      scopes: ["orders:read", "orders:write"],
    });

    const replayed = await h.call(gateway.signer, "POST", "/v1/verify", { body });
    expect(replayed.status).toBe(200);
    const verdict = await json(replayed);
    expect(verdict).toMatchObject({ valid: false, code: "replayed_token" });
    expect(typeof verdict.detail).toBe("string");
    expect(JSON.stringify(verdict)).not.toContain(clientToken);

    const needsMore = await h.call(gateway.signer, "POST", "/v1/verify", {
      body: {
        ...body,
        token: await joseToken(client.credentials, { url: `${PUBLIC_URL}/v1/orders` }),
        scopes: ["admin:all"],
      },
    });
    expect(await json(needsMore)).toMatchObject({
      valid: false,
      code: "insufficient_scope",
      missing_scopes: ["admin:all"],
    });

    const garbage = await json(
      await h.call(gateway.signer, "POST", "/v1/verify", { body: { ...body, token: "x.y.z" } }),
    );
    expect(garbage).toMatchObject({ valid: false, code: "malformed_token" });
  });

  it("is 403 for a caller without signet:verify", async () => {
    const client = await h.createKey(admin.accountId, { scopes: ["orders:read"] });
    const token = await joseToken(client.credentials, { url: `${PUBLIC_URL}/v1/orders` });
    const res = await h.call(admin.signer, "POST", "/v1/verify", {
      body: { token, method: "GET", url: `${PUBLIC_URL}/v1/orders` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('scope="signet:verify"');
    expect((await json(res)).code).toBe("insufficient_scope");

    // the client's token was not consumed by the refused call
    const gateway = await h.createKey(admin.accountId, { scopes: ["signet:verify"] });
    const verdict = await h.call(gateway.signer, "POST", "/v1/verify", {
      body: { token, method: "GET", url: `${PUBLIC_URL}/v1/orders` },
    });
    expect((await json(verdict)).valid).toBe(true);
  });
});

describe("reusable keys", () => {
  it("accept a token without htm/htu/jti more than once", async () => {
    const reusable = await h.createKey(admin.accountId, { scopes: ["demo:read"], reusable: true });
    const token = await joseToken(reusable.credentials, { unbound: true });
    for (let i = 0; i < 3; i++) {
      const res = await h.send(token, "GET", "/v1/whoami");
      expect(res.status).toBe(200);
      expect((await json(res)).key_id).toBe(reusable.id);
    }
    // the same token on another route works too (it is bound to no request)
    expect((await h.send(token, "GET", "/v1/demo/echo")).status).toBe(200);
  });

  it("are still refused after revocation and expiry of the token", async () => {
    const reusable = await h.createKey(admin.accountId, { scopes: ["demo:read"], reusable: true });
    const token = await joseToken(reusable.credentials, { unbound: true });
    expect((await h.send(token, "GET", "/v1/whoami")).status).toBe(200);
    h.clock.advance(121_000); // exp + clock skew
    expect((await json(await h.send(token, "GET", "/v1/whoami"))).code).toBe("token_expired");

    const fresh = await joseToken(reusable.credentials, { unbound: true });
    expect((await h.send(fresh, "GET", "/v1/whoami")).status).toBe(200);
    expect((await h.call(admin.signer, "POST", `/v1/keys/${reusable.id}/revoke`)).status).toBe(200);
    expect((await json(await h.send(fresh, "GET", "/v1/whoami"))).code).toBe("key_revoked");
  });

  it("a non-reusable key needs jti, htm and htu", async () => {
    const token = await joseToken(admin.credentials, { unbound: true });
    const res = await h.send(token, "GET", "/v1/whoami");
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe("invalid_claims");
  });
});

describe("allowed_ips", () => {
  it("fails closed when the client address is unknown (app.request has no socket)", async () => {
    const fenced = await h.createKey(admin.accountId, {
      scopes: ["demo:read"],
      allowedIps: ["127.0.0.0/8", "::1/128"],
    });
    const res = await h.call(fenced.signer, "GET", "/v1/whoami");
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ code: "ip_not_allowed", key_id: fenced.id, ip: null });
    // a spoofed X-Forwarded-For is not trusted unless SIGNET_TRUST_PROXY is set
    const spoofed = await h.call(fenced.signer, "GET", "/v1/whoami", {
      headers: { "x-forwarded-for": "127.0.0.1" },
    });
    expect((await json(spoofed)).code).toBe("ip_not_allowed");
  });
});

describe("allowed_ips behind a trusted proxy", () => {
  it("uses the right-most X-Forwarded-For entry (the one the trusted proxy appended) when SIGNET_TRUST_PROXY=true", async () => {
    const proxied = await startHarness({ env: { SIGNET_TRUST_PROXY: "true" } });
    try {
      const boss = await proxied.bootstrap("proxied");
      const fenced = await proxied.createKey(boss.accountId, { allowedIps: ["203.0.113.0/24"] });
      const inside = await proxied.call(fenced.signer, "GET", "/v1/whoami", {
        headers: { "x-forwarded-for": "10.0.0.1, 203.0.113.9" },
      });
      expect(inside.status).toBe(200);
      // a client-forged entry in front of the proxy's own is ignored
      const forged = await proxied.call(fenced.signer, "GET", "/v1/whoami", {
        headers: { "x-forwarded-for": "203.0.113.9, 198.51.100.1" },
      });
      expect(await json(forged)).toMatchObject({ code: "ip_not_allowed", ip: "198.51.100.1" });
      const outside = await proxied.call(fenced.signer, "GET", "/v1/whoami", {
        headers: { "x-forwarded-for": "198.51.100.1" },
      });
      expect(await json(outside)).toMatchObject({ code: "ip_not_allowed", ip: "198.51.100.1" });
    } finally {
      await proxied.close();
    }
  });
});

describe("/openapi.json", () => {
  it("lists every route with request and response schemas", async () => {
    const res = await h.app.request(`${PUBLIC_URL}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: PUBLIC_URL }]);
    const expected: Record<string, string[]> = {
      "/v1/keys": ["get", "post"],
      "/v1/keys/{id}": ["get", "patch"],
      "/v1/keys/{id}/rotate": ["post"],
      "/v1/keys/{id}/revoke": ["post"],
      "/v1/audit-events": ["get"],
      "/v1/whoami": ["get"],
      "/v1/verify": ["post"],
      "/v1/demo/echo": ["get"],
      "/healthz": ["get"],
    };
    // every API route the app registers is documented (console pages and the index are not API)
    const registered = new Set(
      h.app.routes
        .filter(
          (r) =>
            r.method !== "ALL" &&
            (r.path.startsWith("/v1/") || r.path === "/healthz" || r.path.startsWith("/.well-known/")),
        )
        // :id is {id}; :path{.*} (a regex parameter) is {path}
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method} ${path}`),
      ),
    );
    expect([...registered].sort()).toEqual([...documented].sort());
    for (const [path, methods] of Object.entries(expected)) {
      for (const method of methods)
        expect(documented.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
    }
    for (const [path, methods] of Object.entries(expected)) {
      for (const method of methods) {
        const op = doc.paths[path][method];
        const ok = op.responses["200"] ?? op.responses["201"];
        expect(ok, `${method} ${path}`).toBeDefined();
        expect(ok.content["application/json"].schema, `${method} ${path}`).toBeDefined();
        if (path !== "/healthz") {
          expect(op.security, `${method} ${path}`).toEqual([{ SignetAssertion: [] }]);
          expect(op.responses["401"].content["application/problem+json"].schema).toBeDefined();
        }
      }
    }
    for (const [path, method] of [
      ["/v1/keys", "post"],
      ["/v1/keys/{id}", "patch"],
      ["/v1/keys/{id}/rotate", "post"],
      ["/v1/verify", "post"],
    ] as const) {
      expect(
        doc.paths[path][method].requestBody.content["application/json"].schema,
        `${method} ${path}`,
      ).toBeDefined();
    }
    expect(doc.paths["/v1/keys/{id}"].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "id", in: "path" })]),
    );
    for (const schema of [
      "Key",
      "Credentials",
      "Problem",
      "CreateKey",
      "UpdateKey",
      "RotateKey",
      "VerifyRequest",
      "AuditEvent",
    ]) {
      expect(doc.components.schemas[schema], schema).toBeDefined();
    }
    expect(doc.components.securitySchemes.SignetAssertion).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.keys(doc.components.schemas.CreateKey.properties).sort()).toEqual(
      ["allowed_ips", "expires_at", "max_lifetime", "name", "public_key", "reusable", "scopes"].sort(),
    );
  });
});

describe("/healthz", () => {
  it("answers 200 with the database check", async () => {
    const res = await h.app.request(`${PUBLIC_URL}/healthz`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: "ok", checks: { database: "ok" } });
  });
});
