import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type Credentials,
  createSignedFetch,
  createSigner,
  loadCredentials,
  signedFetch,
} from "../../src/client/index.js";
import { InvalidCredentialsError } from "../../src/core/errors.js";
import { type Harness, json, PUBLIC_URL, startHarness, type TestKey } from "../server/harness.js";

let h: Harness;
let admin: TestKey;
let worker: TestKey;
let seed: Uint8Array;

/** The app behind a fetch function (no sockets). */
const appFetch = (): typeof fetch =>
  (async (input: RequestInfo | URL, init?: RequestInit) => h.app.request(input, init)) as typeof fetch;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.bootstrap("acme");
  worker = await h.createKey(admin.accountId, { name: "worker", scopes: ["demo:read", "orders:read"] });
  const der = Buffer.from(worker.credentials.private_key.replace(/-----[^-]+-----|\s/g, ""), "base64");
  seed = new Uint8Array(der.subarray(der.length - 32));
});

afterAll(async () => {
  await h.close();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function expectWorker(credentials: Credentials, withAccount = true): void {
  expect(credentials.keyId).toBe(worker.id);
  expect(Buffer.from(credentials.seed).equals(Buffer.from(seed))).toBe(true);
  if (withAccount) {
    expect(credentials.accountId).toBe(admin.accountId);
    expect(credentials.audience).toBe(PUBLIC_URL);
  }
}

/** The credentials sign assertions the server accepts. */
async function expectAccepted(credentials: Credentials): Promise<void> {
  const doFetch = createSignedFetch(credentials, {
    fetch: appFetch(),
    now: h.clock.now,
    audience: PUBLIC_URL,
  });
  const res = await doFetch(`${PUBLIC_URL}/v1/whoami`);
  expect(res.status).toBe(200);
  expect((await json(res)).key_id).toBe(worker.id);
}

describe("loadCredentials", () => {
  it("reads a credentials file from a path", async () => {
    const path = join(h.db.dir, "worker.json");
    writeFileSync(path, JSON.stringify(worker.credentials, null, 2), { mode: 0o600 });
    const credentials = await loadCredentials(path);
    expectWorker(credentials);
    await expectAccepted(credentials);
  });

  it("reads the file's JSON text", async () => {
    const credentials = await loadCredentials(`\n  ${JSON.stringify(worker.credentials)}\n`);
    expectWorker(credentials);
    await expectAccepted(credentials);
  });

  it("reads the credentials object", async () => {
    expectWorker(await loadCredentials(worker.credentials as unknown as Record<string, unknown>));
  });

  it("reads a file that has only the one-line credential", async () => {
    const { private_key: _omitted, ...rest } = worker.credentials;
    expectWorker(await loadCredentials(JSON.stringify(rest)));
  });

  it("reads the one-line credential", async () => {
    const credentials = await loadCredentials(worker.credentials.credential);
    expectWorker(credentials, false);
    await expectAccepted(credentials);
  });

  it("reads { privateKeyPem, keyId }", async () => {
    const credentials = await loadCredentials({
      privateKeyPem: worker.credentials.private_key,
      keyId: worker.id,
      audience: PUBLIC_URL,
    });
    expectWorker(credentials, false);
    expect(credentials.audience).toBe(PUBLIC_URL);
    await expectAccepted(credentials);
  });

  it("reads SIGNET_CREDENTIALS: a path, the one-line form or JSON", async () => {
    const path = join(h.db.dir, "env.json");
    writeFileSync(path, JSON.stringify(worker.credentials));
    for (const value of [path, worker.credentials.credential, JSON.stringify(worker.credentials)]) {
      vi.stubEnv("SIGNET_CREDENTIALS", value);
      const credentials = await loadCredentials();
      expect(credentials.keyId).toBe(worker.id);
      expect(Buffer.from(credentials.seed).equals(Buffer.from(seed))).toBe(true);
    }
  });

  describe("gives clear errors, without echoing the secret", () => {
    const tamper = (credential: string) => {
      const i = 40;
      return credential.slice(0, i) + (credential[i] === "A" ? "B" : "A") + credential.slice(i + 1);
    };

    it.each([
      ["nothing, with SIGNET_CREDENTIALS unset", undefined, /SIGNET_CREDENTIALS is not set/],
      [
        "a missing file",
        "/nonexistent/dir/creds.json",
        /cannot read credentials file \/nonexistent\/dir\/creds\.json: ENOENT/,
      ],
      ["JSON that does not parse", '{"type": "signet_service_key",', /not valid JSON/],
      [
        "the wrong type",
        JSON.stringify({ type: "other", key_id: "key_x" }),
        /credentials\.type must be "signet_service_key"/,
      ],
      [
        "a malformed key id",
        '{"type":"signet_service_key","key_id":"nope","credential":"x"}',
        /key_id is missing or malformed/,
      ],
      ["a credential with a bad checksum", "TAMPERED", /checksum does not match/],
      ["a truncated credential", "TRUNCATED", /not a signet_sk_ one-line credential/],
      [
        "a PEM that is not Ed25519 PKCS#8",
        { privateKeyPem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", keyId: "KEY" },
        /not an Ed25519 PKCS#8 PEM/,
      ],
      [
        "a PEM with a bad key id",
        { privateKeyPem: "PEM", keyId: "key_123" },
        /keyId is missing or malformed/,
      ],
    ] as const)("%s", async (_name, input, message) => {
      vi.stubEnv("SIGNET_CREDENTIALS", "");
      let source: unknown = input;
      if (input === "TAMPERED") source = tamper(worker.credentials.credential);
      if (input === "TRUNCATED") source = worker.credentials.credential.slice(0, -3);
      if (typeof input === "object" && input.keyId === "KEY") source = { ...input, keyId: worker.id };
      if (typeof input === "object" && input.privateKeyPem === "PEM")
        source = { ...input, privateKeyPem: worker.credentials.private_key };
      const error = await loadCredentials(source as Parameters<typeof loadCredentials>[0]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidCredentialsError);
      expect((error as InvalidCredentialsError).code).toBe("invalid_credentials");
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(worker.credentials.credential.slice(10, 60));
      expect((error as Error).message).not.toContain("PRIVATE KEY");
    });

    it("a credential file whose one-line credential belongs to another key", async () => {
      const { private_key: _omitted, ...rest } = worker.credentials;
      const mixed = { ...rest, credential: admin.credentials.credential };
      await expect(loadCredentials(mixed as unknown as Record<string, unknown>)).rejects.toThrow(
        /belongs to another key/,
      );
    });
  });
});

describe("createSigner", () => {
  it("checks its lifetime at construction", () => {
    const credentials = { keyId: worker.id, seed };
    expect(() => createSigner(credentials, { lifetime: 0 })).toThrow(/lifetime/);
    expect(() => createSigner(credentials, { lifetime: 301 })).toThrow(/lifetime/);
  });

  it("binds the token to the method and the URL without its query", async () => {
    const signer = createSigner({ keyId: worker.id, seed, audience: PUBLIC_URL }, { now: h.clock.now });
    const token = await signer.sign({
      method: "get",
      url: `${PUBLIC_URL}/v1/demo/echo?message=x#frag`,
      scope: ["demo:read"],
    });
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part as string, "base64url").toString()));
    expect(header).toEqual({ alg: "EdDSA", typ: "signet+jwt", kid: worker.id });
    expect(payload).toMatchObject({
      iss: worker.id,
      sub: worker.id,
      aud: PUBLIC_URL,
      htm: "GET",
      htu: `${PUBLIC_URL}/v1/demo/echo`,
      scope: "demo:read",
      iat: h.clock.now() / 1000,
      exp: h.clock.now() / 1000 + 60,
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const res = await h.send(token, "GET", "/v1/demo/echo?message=x");
    expect(res.status).toBe(200);
  });
});

describe("createSignedFetch", () => {
  it("signs every request; the app answers 200, for GET and POST", async () => {
    const credentials = await loadCredentials(worker.credentials.credential);
    const doFetch = createSignedFetch(credentials, {
      fetch: appFetch(),
      now: h.clock.now,
      audience: PUBLIC_URL,
    });
    for (let i = 0; i < 3; i++) {
      const res = await doFetch(`${PUBLIC_URL}/v1/demo/echo?message=n${i}`);
      expect(res.status).toBe(200);
      expect((await json(res)).message).toBe(`n${i}`);
    }

    const gateway = await h.createKey(admin.accountId, { scopes: ["signet:verify"] });
    const gatewayFetch = createSignedFetch(gateway.signer, { fetch: appFetch() });
    const clientToken = await createSigner(credentials, { now: h.clock.now, audience: PUBLIC_URL }).sign({
      method: "GET",
      url: `${PUBLIC_URL}/v1/orders`,
    });
    const res = await gatewayFetch(`${PUBLIC_URL}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: clientToken, method: "GET", url: `${PUBLIC_URL}/v1/orders` }),
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ valid: true, key_id: worker.id });
  });

  it("signedFetch() loads SIGNET_CREDENTIALS", async () => {
    vi.stubEnv("SIGNET_CREDENTIALS", JSON.stringify(worker.credentials));
    const res = await signedFetch(`${PUBLIC_URL}/v1/whoami`, undefined, {
      fetch: appFetch(),
      now: h.clock.now,
    });
    expect(res.status).toBe(200);
    expect((await json(res)).key_id).toBe(worker.id);
  });

  it("warns once, with the measured skew, when the server says token_expired", async () => {
    const credentials = await loadCredentials(worker.credentials.credential);
    const warn = vi.fn();
    const tenMinutesSlow = () => h.clock.now() - 10 * 60_000;
    const doFetch = createSignedFetch(credentials, {
      fetch: appFetch(),
      now: tenMinutesSlow,
      audience: PUBLIC_URL,
      warn,
    });

    const first = await doFetch(`${PUBLIC_URL}/v1/whoami`);
    expect(first.status).toBe(401);
    const problem = await json(first); // the body is still readable after the SDK looked at it
    expect(problem.code).toBe("token_expired");
    expect(problem.server_time).toBe(h.clock.now() / 1000);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe(
      "signet: this machine's clock is 600 s behind the server's; sync it (NTP)",
    );

    expect((await doFetch(`${PUBLIC_URL}/v1/whoami`)).status).toBe(401);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("warns about a clock that is ahead (token_not_yet_valid)", async () => {
    const credentials = await loadCredentials(worker.credentials.credential);
    const warn = vi.fn();
    const fast = () => h.clock.now() + 5 * 60_000;
    const doFetch = createSignedFetch(credentials, {
      fetch: appFetch(),
      now: fast,
      audience: PUBLIC_URL,
      warn,
    });
    const res = await doFetch(`${PUBLIC_URL}/v1/whoami`);
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe("token_not_yet_valid");
    expect(warn).toHaveBeenCalledWith(
      "signet: this machine's clock is 300 s ahead of the server's; sync it (NTP)",
    );
  });

  it("does not warn for other 401s", async () => {
    const warn = vi.fn();
    const doFetch = createSignedFetch(
      { keyId: worker.id, seed: crypto.getRandomValues(new Uint8Array(32)) },
      { fetch: appFetch(), now: h.clock.now, audience: PUBLIC_URL, warn },
    );
    const res = await doFetch(`${PUBLIC_URL}/v1/whoami`);
    expect(res.status).toBe(401);
    expect((await json(res)).code).toBe("invalid_token");
    expect(warn).not.toHaveBeenCalled();
  });
});
