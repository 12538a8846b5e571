/**
 * The console over HTTP without a browser (app.request, a frozen clock): sessions, CSRF,
 * one-time links, rate limits, timeouts, form validation, the account boundary and the
 * management API's second way in.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONSOLE_BODY_LIMIT } from "../../src/console/app.js";
import { createConsole } from "../../src/console/index.js";
import { sha256 } from "../../src/console/tokens.js";
import { createUserService, type UserService } from "../../src/console/users.js";
import { createNodePasswordHasher } from "../../src/entry/password-node.js";
import { createApp } from "../../src/server/app.js";
import { cliActor } from "../../src/server/services/actor.js";
import type { UserRecord } from "../../src/store/ports.js";
import { type Harness, PUBLIC_URL, startHarness } from "../server/harness.js";
import { Agent, textOf } from "./agent.js";

const hasher = createNodePasswordHasher();
const PASSWORD = "a perfectly long passphrase";
const MINUTE = 60_000;
const SESSION = "__Host-signet_session";

describe("console (HTTP)", () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let users: UserService;
  let accountId: string;
  let owner: UserRecord;

  const agent = (ip = "198.51.100.7") => new Agent(app, PUBLIC_URL, { "x-test-ip": ip });

  async function userWithPassword(email: string, role: "owner" | "member" = "owner", account = accountId) {
    const { user } = await users.createUser(account, { email, role }, cliActor);
    await users.setPassword(user, PASSWORD, cliActor);
    return user;
  }

  async function signedIn(email = owner.email, ip?: string): Promise<Agent> {
    const a = agent(ip);
    await a.get("/console/sign-in");
    const response = await a.post("/console/sign-in", { email, password: PASSWORD });
    expect(response.status).toBe(303);
    expect(response.location).toBe("/console/keys");
    await a.get("/console/keys");
    return a;
  }

  beforeEach(async () => {
    h = await startHarness();
    app = createApp({
      ...h.deps,
      clientIp: (request) => request.headers.get("x-test-ip") ?? undefined,
      console: createConsole({
        hasher,
        settings: { signInLimits: { perEmail: 3, perIp: 6, windowMs: 15 * MINUTE } },
      }),
    });
    users = createUserService({ store: h.deps.store, clock: h.clock, publicUrl: PUBLIC_URL, hasher });
    accountId = await h.createAccount("acme");
    owner = await userWithPassword("owner@acme.test");
  });
  afterEach(() => h.close());

  it("the sign-in page sets a __Host- CSRF cookie and a strict CSP whose nonce the script carries", async () => {
    const response = await app.request(`${PUBLIC_URL}/console/sign-in`);
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie()[0] ?? "";
    expect(cookie).toMatch(/^__Host-signet_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    const html = await response.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });

  it("signs in with a password: a 256-bit session id in a __Host- cookie, stored only as its SHA-256", async () => {
    const a = await signedIn();
    const id = a.cookies.get(SESSION) ?? "";
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sessions = h.deps.store.sessions;
    expect(await sessions?.get(id)).toBeNull();
    expect(await sessions?.get(await sha256(id))).toMatchObject({ userId: owner.id, ip: "198.51.100.7" });
    const keys = await a.get("/console/keys");
    expect(keys.status).toBe(200);
    expect(keys.text).toContain(owner.email);
  });

  it("rotates the session id at every sign-in; the old id stops working", async () => {
    const a = await signedIn();
    const first = a.cookies.get(SESSION) ?? "";
    await a.get("/console/sign-in?next=/console/audit"); // signed in: redirected, but the form is the same
    await a.post("/console/sign-in", { email: owner.email, password: PASSWORD });
    const second = a.cookies.get(SESSION) ?? "";
    expect(second).not.toBe(first);
    expect(await h.deps.store.sessions?.get(await sha256(first))).toBeNull();
    const stale = agent();
    stale.cookies.set(SESSION, first);
    expect((await stale.get("/console/keys")).status).toBe(303);
  });

  it("ends a session after an hour idle, and after 12 hours whatever the activity", async () => {
    const idle = await signedIn();
    h.clock.advance(60 * MINUTE + 1);
    const expired = await idle.get("/console/keys");
    expect(expired.status).toBe(303);
    expect(expired.location).toBe("/console/sign-in?next=%2Fconsole%2Fkeys");

    const busy = await signedIn();
    for (let i = 0; i < 23; i++) {
      h.clock.advance(30 * MINUTE);
      expect((await busy.get("/console/keys")).status).toBe(200);
    }
    h.clock.advance(30 * MINUTE); // 12 h after sign-in
    expect((await busy.get("/console/keys")).status).toBe(303);
  });

  it("refuses a form larger than the console accepts with one clear page, and creates nothing", async () => {
    const a = await signedIn();
    await a.get("/console/keys/new");
    const response = await a.post("/console/keys/new", {
      name: "big",
      scopes: "orders:read",
      public_key: "A".repeat(CONSOLE_BODY_LIMIT),
    });
    expect(response.status).toBe(400);
    expect(response.text).toContain("That form was too large to accept.");
    expect((await h.deps.store.keys.list(accountId, { limit: 10 })).items).toEqual([]);
  });

  it("refuses a POST without the session's CSRF token (403), from another origin too, and writes nothing", async () => {
    const a = await signedIn();
    const before = await h.counts(accountId);
    const form = { name: "ci", scopes: "demo:read", expires: "never", generation: "server" };
    expect((await a.request("POST", "/console/keys/new", { form })).status).toBe(403);
    expect((await a.post("/console/keys/new", { ...form, csrf: "A".repeat(43) })).status).toBe(403);
    expect((await a.post("/console/keys/new", form, { origin: "https://evil.example" })).status).toBe(403);
    expect(await h.counts(accountId)).toEqual(before);
    // and a sign-in without the pre-session token
    const fresh = agent();
    await fresh.get("/console/sign-in");
    const noToken = await fresh.request("POST", "/console/sign-in", {
      form: { email: owner.email, password: PASSWORD },
    });
    expect(noToken.status).toBe(403);
    expect(fresh.cookies.has(SESSION)).toBe(false);
    // with it, the same form goes through
    expect((await a.post("/console/keys/new", form)).status).toBe(200);
    expect((await h.counts(accountId)).keys).toBe(before.keys + 1);
  });

  it("a sign-in link shows on GET, works once on POST, and is refused after 15 minutes", async () => {
    const { link } = await users.createUser(accountId, { email: "new@acme.test", role: "member" }, cliActor);
    const path = link.url.slice(PUBLIC_URL.length);
    const token = new URL(link.url).searchParams.get("token") ?? "";
    const a = agent();
    const page = await a.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain("new@acme.test");
    expect((await a.get(path)).status).toBe(200); // looking does not use it
    const used = await a.post("/console/link", { token });
    expect(used.status).toBe(303);
    expect(used.location).toBe("/console/settings?welcome=1");
    expect(a.cookies.has(SESSION)).toBe(true);
    const again = agent();
    await again.get("/console/sign-in");
    expect((await again.post("/console/link", { token })).status).toBe(410);
    expect((await again.get(path)).status).toBe(410);

    const late = await users.issueLink(owner.id, cliActor);
    h.clock.advance(15 * MINUTE);
    const b = agent();
    expect((await b.get(late.url.slice(PUBLIC_URL.length))).status).toBe(410);
    await b.get("/console/sign-in");
    expect(
      (await b.post("/console/link", { token: new URL(late.url).searchParams.get("token") ?? "" })).status,
    ).toBe(410);
    // the database holds only the token's hash
    expect(await h.deps.store.sessions?.getLink(token)).toBeNull();
    expect(await h.deps.store.sessions?.getLink(await sha256(token))).not.toBeNull();
  });

  it("rate-limits sign-in attempts per address (even with the right password) and per IP", async () => {
    const a = agent("203.0.113.1");
    await a.get("/console/sign-in");
    for (let i = 0; i < 3; i++) {
      expect(
        (await a.post("/console/sign-in", { email: owner.email, password: "wrong password!" })).status,
      ).toBe(401);
    }
    const limited = await a.post("/console/sign-in", { email: owner.email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.text).toContain("Too many sign-in attempts");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(a.cookies.has(SESSION)).toBe(false);

    // another IP trying many addresses runs into the per-IP limit
    const b = agent("203.0.113.2");
    await b.get("/console/sign-in");
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await b.post("/console/sign-in", { email: `nobody${i}@acme.test`, password: "x" })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);

    // the window passes
    h.clock.advance(15 * MINUTE);
    expect((await a.post("/console/sign-in", { email: owner.email, password: PASSWORD })).status).toBe(303);
  });

  it("validates every field of the create form on the server and writes nothing on error", async () => {
    const a = await signedIn();
    await a.get("/console/keys/new");
    const before = await h.counts(accountId);
    const bad = await a.post("/console/keys/new", {
      name: "",
      scopes: "Orders:Read",
      expires: "date",
      expires_on: "2020-01-01",
      allowed_ips: "10.0.0.0/33",
      generation: "upload",
      public_key:
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n",
    });
    expect(bad.status).toBe(400);
    expect(textOf(bad.text, "name-error")).toContain("Enter a name");
    expect(textOf(bad.text, "scopes-error")).toContain("is not a scope");
    expect(textOf(bad.text, "expires_on-error")).toContain("in the future");
    expect(textOf(bad.text, "allowed_ips-error")).toContain("not an IP address");
    expect(textOf(bad.text, "public_key-error")).toContain("private key");
    expect(bad.text).toContain(
      'id="scopes" name="scopes" aria-describedby="scopes-hint scopes-error" aria-invalid="true"',
    );
    // a pasted private key is never echoed back
    expect(bad.text).not.toContain("MC4CAQAwBQYDK2VwBCIEIJ");
    expect(await h.counts(accountId)).toEqual(before);

    const good = await a.post("/console/keys/new", {
      name: "ci",
      scopes: "demo:read, orders:*",
      expires: "30",
      generation: "server",
    });
    expect(good.status).toBe(200);
    expect(good.headers.get("cache-control")).toBe("no-store");
    expect(good.text).toContain("This is the only time the private key is shown");
    expect(good.text).toMatch(/data-replace-url="\/console\/keys\/key_[0-9A-Z]{26}"/);
    expect(good.text).toMatch(/signet_sk_[0-9A-Z]{26}/);
    const created = await h.deps.keys.listKeys(accountId, { limit: 10 });
    expect(created.items[0]).toMatchObject({
      name: "ci",
      scopes: ["demo:read", "orders:*"],
      createdBy: `user:${owner.id}`,
    });
    expect(created.items[0]?.expiresAt?.getTime()).toBe(h.clock.now() + 30 * 24 * 3600 * 1000);
    // the key's own page never shows it again
    const detail = await a.get(`/console/keys/${created.items[0]?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain("signet_sk_");
    expect(detail.text).not.toContain("PRIVATE KEY");
  });

  it("a browser-made key: JSON in, JSON out, and only the public key is accepted", async () => {
    const a = await signedIn();
    await a.get("/console/keys/new");
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const ok = await a.post(
      "/console/keys/new",
      {
        name: "browser",
        scopes: "demo:read",
        expires: "never",
        generation: "browser",
        public_key: JSON.stringify({ kty: "OKP", crv: "Ed25519", x: jwk.x }),
      },
      { accept: "application/json" },
    );
    expect(ok.status).toBe(201);
    const body = JSON.parse(ok.text) as {
      key: { id: string; public_key: { x: string } };
      audience: string;
      html: string;
    };
    expect(body.key.public_key.x).toBe(jwk.x);
    expect(body.audience).toBe(h.deps.config.audience);
    expect(body.html).toContain('data-secret="credential"');
    const bad = await a.post(
      "/console/keys/new",
      {
        name: "",
        scopes: "demo:read",
        expires: "never",
        generation: "browser",
        public_key: JSON.stringify({ ...jwk, d: "x" }),
      },
      { accept: "application/json" },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(JSON.parse(bad.text).errors).sort()).toEqual(["name", "public_key"]);
  });

  it("the management API takes a console session: reads freely, changes only with X-CSRF-Token", async () => {
    const a = await signedIn();
    const list = await a.get("/v1/keys");
    expect(list.status).toBe(200);
    const noHeader = await a.request("POST", "/v1/keys", { json: { name: "api", scopes: ["demo:read"] } });
    expect(noHeader.status).toBe(403);
    expect(JSON.parse(noHeader.text).code).toBe("csrf_failed");
    const withHeader = await a.request("POST", "/v1/keys", {
      json: { name: "api", scopes: ["demo:read"] },
      headers: { "x-csrf-token": a.csrf },
    });
    expect(withHeader.status).toBe(201);
    expect(JSON.parse(withHeader.text).key.created_by).toBe(`user:${owner.id}`);
    // no session, no assertion: the usual 401
    expect((await agent().get("/v1/keys")).status).toBe(401);
  });

  it("keeps accounts apart: another account's key is 404 in the console and the API", async () => {
    const other = await h.createAccount("globex");
    const foreign = await h.createKey(other, { name: "globex-key" });
    const member = await userWithPassword("member@acme.test", "member");
    const a = await signedIn(member.email);
    const page = await a.get(`/console/keys/${foreign.id}`);
    expect(page.status).toBe(404);
    expect(page.text).not.toContain("globex-key");
    expect((await a.post(`/console/keys/${foreign.id}/revoke`)).status).toBe(404);
    expect((await a.post(`/console/keys/${foreign.id}/status`, { disabled: "true" })).status).toBe(404);
    expect((await a.get(`/v1/keys/${foreign.id}`)).status).toBe(404);
    expect(
      (await a.request("POST", `/v1/keys/${foreign.id}/revoke`, { headers: { "x-csrf-token": a.csrf } }))
        .status,
    ).toBe(404);
    expect(await h.deps.store.keys.get(foreign.id)).toMatchObject({ revokedAt: null, disabled: false });
    // malformed ids are 404 too, before any query
    expect((await a.get("/console/keys/not-a-key")).status).toBe(404);
  });

  it("only owners invite and remove people; an invitation shows its link once", async () => {
    const member = await userWithPassword("member@acme.test", "member");
    const m = await signedIn(member.email);
    await m.get("/console/team");
    expect((await m.post("/console/team/invite", { email: "x@acme.test", role: "member" })).status).toBe(403);
    expect((await m.post(`/console/team/${owner.id}/remove`)).status).toBe(403);
    expect(await h.deps.store.users?.getByEmail("x@acme.test")).toBeNull();

    const o = await signedIn();
    await o.get("/console/team");
    const taken = await o.post("/console/team/invite", { email: "MEMBER@acme.test", role: "member" });
    expect(taken.status).toBe(400);
    expect(textOf(taken.text, "email-error")).toContain("already");
    const invited = await o.post("/console/team/invite", { email: "new@acme.test", role: "owner" });
    expect(invited.status).toBe(200);
    expect(invited.text).toMatch(/\/console\/link\?token=[A-Za-z0-9_-]{43}/);
    expect(invited.text).toContain('data-replace-url="/console/team"');
    expect(await h.deps.store.users?.getByEmail("new@acme.test")).toMatchObject({ role: "owner", accountId });

    const removed = await o.post(`/console/team/${member.id}/remove`);
    expect(removed.status).toBe(303);
    expect((await m.get("/console/keys")).status).toBe(303); // signed out with the removal
  });

  it("a new password ends the user's other sessions and needs the current one", async () => {
    const laptop = await signedIn();
    const phone = await signedIn();
    await laptop.get("/console/settings");
    const wrong = await laptop.post("/console/settings/password", {
      current_password: "not it at all",
      new_password: "a brand new passphrase",
    });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.text, "current_password-error")).toContain("not your current password");
    // each check counts like a sign-in attempt (the test allows 3 per address per 15 minutes)
    h.clock.advance(15 * MINUTE);
    const changed = await laptop.post("/console/settings/password", {
      current_password: PASSWORD,
      new_password: "a brand new passphrase",
    });
    expect(changed.status).toBe(303);
    expect((await laptop.get("/console/settings")).status).toBe(200);
    expect((await phone.get("/console/settings")).status).toBe(303);
    const stored = await h.deps.store.users?.get(owner.id);
    expect(await hasher.verify(stored?.passwordHash ?? "", "a brand new passphrase")).toBe(true);
  });

  it("passkey challenges: stored, single use, at most 5 minutes, user verification required", async () => {
    const a = agent();
    await a.get("/console/sign-in");
    const options = await a.request("POST", "/console/passkey/options", {
      json: {},
      headers: { "x-csrf-token": a.csrf },
    });
    expect(options.status).toBe(200);
    const body = JSON.parse(options.text) as {
      challenge: string;
      rpId: string;
      userVerification: string;
      timeout: number;
    };
    expect(body).toMatchObject({ rpId: "signet.test", userVerification: "required" });
    expect(body.timeout).toBeLessThanOrEqual(5 * MINUTE);
    const stored = await h.deps.store.sessions?.consumeChallenge(body.challenge, new Date(h.clock.now()));
    expect(stored?.expiresAt.getTime()).toBe(h.clock.now() + 5 * MINUTE);
    expect(await h.deps.store.sessions?.consumeChallenge(body.challenge, new Date(h.clock.now()))).toBeNull();
    // without the CSRF header the options are refused
    expect((await a.request("POST", "/console/passkey/options", { json: {} })).status).toBe(403);
    // an assertion for an unknown credential gets a plain refusal and no session
    const verify = await a.request("POST", "/console/passkey/verify", {
      json: {
        response: {
          id: "AAAA",
          rawId: "AAAA",
          type: "public-key",
          response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AAAA" },
          clientExtensionResults: {},
        },
      },
      headers: { "x-csrf-token": a.csrf },
    });
    expect(verify.status).toBe(401);
    expect(a.cookies.has(SESSION)).toBe(false);
  });

  it("never redirects outside the console after sign-in", async () => {
    const a = agent();
    await a.get("/console/sign-in?next=//evil.example/x");
    const response = await a.post("/console/sign-in", {
      email: owner.email,
      password: PASSWORD,
      next: "https://evil.example/",
    });
    expect(response.location).toBe("/console/keys");
  });

  it("logs no password, session id or link token", async () => {
    const { link } = await users.createUser(accountId, { email: "logs@acme.test", role: "member" }, cliActor);
    const token = new URL(link.url).searchParams.get("token") ?? "";
    const a = agent();
    await a.get(link.url.slice(PUBLIC_URL.length));
    await a.post("/console/link", { token });
    const b = await signedIn();
    await b.post("/console/sign-in", { email: owner.email, password: "a wrong password here" });
    const logs = h.logs.join("\n");
    expect(h.logs.length).toBeGreaterThan(5);
    for (const secret of [
      PASSWORD,
      "a wrong password here",
      token,
      a.cookies.get(SESSION),
      b.cookies.get(SESSION),
    ]) {
      expect(secret && logs.includes(secret)).toBe(false);
    }
  });
});
