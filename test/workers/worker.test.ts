/**
 * Signet as a Cloudflare Worker, for real: wrangler.toml's worker in local workerd with local
 * D1 and the ReplayShard Durable Objects, the documented migration command, the operator CLI's
 * `--d1 local` bootstrap, and every call over HTTP.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type Credentials,
  createSignedFetch,
  createSigner,
  loadCredentials,
} from "../../src/client/index.js";
import {
  describeInWorkerd,
  freePort,
  offlineEnv,
  ROOT,
  runNode,
  SIGNET_BIN,
  type StartedWorker,
  startWorker,
  WRANGLER_BIN,
} from "./support.js";

const TTL_SECONDS = 2;

interface CreatedKey {
  key: { id: string; account_id: string; scopes: string[]; status: string };
  credentials: { key_id: string; audience: string; private_key: string; credential: string };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describeInWorkerd("the worker (wrangler.toml) in workerd with local D1 and Durable Objects", () => {
  let dir: string;
  let persist: string;
  let publicUrl: string;
  let worker: StartedWorker;
  let admin: Credentials;
  let cliEnv: NodeJS.ProcessEnv;
  const bootstrapOutput: string[] = [];

  const signet = async (args: string[]) => {
    const result = await runNode(SIGNET_BIN, ["--d1", "local", "--persist-to", persist, ...args], cliEnv);
    if (result.code !== 0) throw new Error(`signet ${args.join(" ")} failed:\n${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "signet-worker-"));
    persist = join(dir, "state");
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    cliEnv = offlineEnv({ SIGNET_PUBLIC_URL: publicUrl });

    // the documented migration command, on this test's own wrangler state
    const migrate = await runNode(
      WRANGLER_BIN,
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist],
      offlineEnv({ CI: "true" }),
    );
    if (migrate.code !== 0)
      throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`);

    // bootstrap with the operator CLI on the local D1 (as docs/deploy-workers.md says)
    bootstrapOutput.push(await signet(["accounts", "create", "acme"]));
    bootstrapOutput.push(
      await signet([
        "keys",
        "create",
        "--account",
        "acme",
        "--name",
        "admin",
        "--scopes",
        "keys:manage",
        "--out",
        join(dir, "admin.json"),
      ]),
    );
    admin = await loadCredentials(readFileSync(join(dir, "admin.json"), "utf8"));

    worker = await startWorker({
      config: join(ROOT, "wrangler.toml"),
      port,
      persist,
      vars: { SIGNET_PUBLIC_URL: publicUrl, SIGNET_KEY_CACHE_TTL: String(TTL_SECONDS), SIGNET_LOG: "silent" },
    });
  });

  afterAll(async () => {
    await worker?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const adminFetch = () => createSignedFetch(admin);

  async function createKey(name: string, scopes: string[]): Promise<CreatedKey> {
    const response = await adminFetch()(`${publicUrl}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, scopes }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as CreatedKey;
  }

  async function whoami(token: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await worker.fetch("/v1/whoami", { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const freshToken = async (credentials: Credentials) =>
    createSigner(credentials).sign({ method: "GET", url: `${publicUrl}/v1/whoami` });

  it("bootstraps with the CLI on local D1, with the worker's audience in the credentials", () => {
    expect(bootstrapOutput[0]).toMatch(/^created account acme \(acc_[0-9A-Z]{26}\)/);
    expect(bootstrapOutput[1]).toMatch(/^created key_[0-9A-Z]{26} \(keys:manage\); credentials written to /);
    expect(admin.audience).toBe(publicUrl);
  });

  it("is healthy: D1 and the replay Durable Object answer", async () => {
    const response = await worker.fetch("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", checks: { database: "ok", replay: "ok" } });
  });

  it("management key → new key → whoami 200 → the same token 401 replayed_token → revoke → 401 key_revoked", async () => {
    const created = await createKey("svc", ["demo:read"]);
    expect(created.key).toMatchObject({ scopes: ["demo:read"], status: "active" });
    expect(created.credentials.audience).toBe(publicUrl);
    const svc = await loadCredentials(created.credentials as unknown as Record<string, unknown>);

    const token = await freshToken(svc);
    const first = await whoami(token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      key_id: created.key.id,
      account_id: created.key.account_id,
      scopes: ["demo:read"],
    });

    const replayed = await whoami(token);
    expect(replayed.status).toBe(401);
    expect(replayed.body.code).toBe("replayed_token");

    const revoke = await adminFetch()(`${publicUrl}/v1/keys/${created.key.id}/revoke`, { method: "POST" });
    expect(revoke.status).toBe(200);
    // revoked through this isolate's API: refused on the very next request, no TTL wait
    const afterRevoke = await whoami(await freshToken(svc));
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.code).toBe("key_revoked");
  });

  it(`a revoke that bypasses the isolate (CLI on D1) is refused within the ${TTL_SECONDS} s key-cache TTL`, async () => {
    const created = await createKey("svc-out-of-band", ["demo:read"]);
    const svc = await loadCredentials(created.credentials as unknown as Record<string, unknown>);
    expect((await whoami(await freshToken(svc))).status).toBe(200); // now cached in the isolate

    const revokeStarted = Date.now();
    expect(await signet(["keys", "revoke", created.key.id])).toMatch(`revoked ${created.key.id}`);
    // The cached entry was loaded before the revoke began, so it has expired by this time.
    const bound = revokeStarted + TTL_SECONDS * 1000;
    if (Date.now() < bound) await new Promise((r) => setTimeout(r, bound - Date.now()));
    const refused = await whoami(await freshToken(svc));
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("key_revoked");
  });

  it("serves 12 concurrent first requests for an uncached key (one shared D1 load across requests)", async () => {
    const created = await createKey("burst", ["demo:read"]);
    const burst = await loadCredentials(created.credentials as unknown as Record<string, unknown>);
    const tokens = await Promise.all(Array.from({ length: 12 }, () => freshToken(burst)));
    const results = await Promise.all(tokens.map((token) => whoami(token)));
    expect(results.map((r) => r.status)).toEqual(new Array(12).fill(200));
    // and each of those tokens is now spent
    expect((await whoami(tokens[0] as string)).body.code).toBe("replayed_token");
  });

  it("scopes hold: a demo:read key cannot manage keys", async () => {
    const created = await createKey("reader", ["demo:read"]);
    const reader = await loadCredentials(created.credentials as unknown as Record<string, unknown>);
    const response = await createSignedFetch(reader)(`${publicUrl}/v1/keys`);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { code: string }).code).toBe("insufficient_scope");
  });

  it("records last use after the response (waitUntil) and serves the OpenAPI document", async () => {
    const created = await createKey("used", ["demo:read"]);
    const used = await loadCredentials(created.credentials as unknown as Record<string, unknown>);
    expect((await whoami(await freshToken(used))).status).toBe(200);
    let lastUsed: unknown = null;
    const deadline = Date.now() + 15_000;
    while (lastUsed === null && Date.now() < deadline) {
      const response = await adminFetch()(`${publicUrl}/v1/keys/${created.key.id}`);
      lastUsed = ((await response.json()) as { last_used_at: unknown }).last_used_at;
      if (lastUsed === null) await new Promise((r) => setTimeout(r, 200));
    }
    expect(lastUsed).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));

    const openapi = await worker.fetch("/openapi.json");
    expect(openapi.status).toBe(200);
    const document = (await openapi.json()) as { paths: Record<string, unknown>; servers: unknown };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/v1/keys", "/v1/whoami"]));
    expect(document.servers).toEqual([{ url: publicUrl }]);
  });

  it("keeps no private key anywhere in the local D1 or Durable Object files", async () => {
    const created = await createKey("secret-check", ["demo:read"]);
    const pemBody = created.credentials.private_key.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
    const seed = Buffer.from((await loadCredentials(created.credentials.credential)).seed).toString(
      "base64url",
    );
    const files = filesUnder(persist);
    expect(files.some((f) => f.endsWith(".sqlite"))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file).toString("latin1");
      expect(bytes.includes(pemBody), file).toBe(false);
      expect(bytes.includes(seed), file).toBe(false);
      expect(bytes.includes(created.credentials.credential), file).toBe(false);
    }
  });
});
