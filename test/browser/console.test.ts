/**
 * The console in a real browser (Debian's Chromium through playwright-core): sign-in by
 * password and by passkey (a CDP virtual authenticator), keys made by the server and in the
 * browser, the downloaded credentials calling /v1/whoami, reload hiding the private key,
 * rotate, revoke, the account boundary, CSRF refusals, and finally a scan of the database
 * file, the logs and the audit details for every private key and password the suite used.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCredentials } from "../../src/client/credentials.js";
import { createSignedFetch } from "../../src/client/signed-fetch.js";
import type { CredentialsFile } from "../../src/core/credentials.js";
import { cliActor } from "../../src/server/services/actor.js";
import {
  addVirtualAuthenticator,
  CHROMIUM_PATH,
  type ConsoleServer,
  chromiumAvailable,
  launchChromium,
  newContext,
  screenshot,
  startConsoleServer,
} from "./support.js";

const OWNER = { email: "alice@acme.test", password: "correct horse battery staple 42" };
const MEMBER = { email: "bob@acme.test", password: "another long passphrase for bob" };
const OTHER = { email: "carol@globex.test" };

if (!chromiumAvailable) {
  if (process.env.CI === "true") {
    it("Chromium is installed (CI)", () => {
      throw new Error(`Chromium not found at ${CHROMIUM_PATH}; .ci/run installs the chromium package`);
    });
  } else {
    console.warn(`skipping the browser suite: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
  }
}

describe.skipIf(!chromiumAvailable)("the console in Chromium", () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let accountA: string;
  let accountB: string;
  let foreignKeyId: string;
  /** Every private key the suite saw (PEM body, seed line) and every password typed. */
  const secrets: string[] = [OWNER.password, MEMBER.password];
  const linkTokens: string[] = [];
  let firstKey: CredentialsFile;
  let rotated: CredentialsFile;
  let browserKey: CredentialsFile;

  const url = (path: string) => `${server.origin}${path}`;
  const remember = (credentials: CredentialsFile) => {
    secrets.push(credentials.credential);
    secrets.push(credentials.private_key.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""));
    // the 32-byte seed in base64url, as the credential line carries it
    secrets.push(credentials.credential.slice(10 + 26, 10 + 26 + 43));
  };

  async function whoami(
    credentials: CredentialsFile,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const signedFetch = createSignedFetch(await loadCredentials(credentials as never), { warn: () => {} });
    const response = await signedFetch(url("/v1/whoami"));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function downloadCredentials(target: Page): Promise<CredentialsFile> {
    const [download] = await Promise.all([
      target.waitForEvent("download"),
      target.click("#download-credentials"),
    ]);
    expect(download.suggestedFilename()).toMatch(/^signet-key_[0-9A-Z]{26}\.json$/);
    const path = await download.path();
    const credentials = JSON.parse(readFileSync(path, "utf8")) as CredentialsFile;
    remember(credentials);
    return credentials;
  }

  async function signInWithPassword(target: Page, who: { email: string; password: string }): Promise<void> {
    await target.goto(url("/console/sign-in"));
    await target.fill("#email", who.email);
    await target.fill("#password", who.password);
    await Promise.all([target.waitForURL(/\/console\/keys$/), target.click("#password-sign-in")]);
  }

  async function signOut(target: Page): Promise<void> {
    await Promise.all([
      target.waitForURL(/\/console\/sign-in\?done=signed-out$/),
      target.click("header button:has-text('Sign out')"),
    ]);
  }

  async function pageText(target: Page): Promise<string> {
    return target.content();
  }

  async function csrfOf(target: Page): Promise<string> {
    return (await target.getAttribute('meta[name="csrf-token"]', "content")) ?? "";
  }

  beforeAll(async () => {
    server = await startConsoleServer();
    accountA = (await server.signet.deps.keys.createAccount("acme", cliActor)).id;
    accountB = (await server.signet.deps.keys.createAccount("globex", cliActor)).id;
    await server.users.createUser(accountB, { email: OTHER.email, role: "owner" }, cliActor);
    const foreign = await server.signet.deps.keys.createKey(
      accountB,
      { name: "globex-prod", scopes: ["demo:read"] },
      cliActor,
    );
    foreignKeyId = foreign.key.id;
    if (foreign.credentials) remember(foreign.credentials);
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("the first user's one-time link signs in once, then asks for a passkey or password", async () => {
    const { link } = await server.users.createUser(accountA, { email: OWNER.email, role: "owner" }, cliActor);
    linkTokens.push(new URL(link.url).searchParams.get("token") ?? "");
    await page.goto(link.url);
    await expect(page.textContent("h1")).resolves.toContain("Welcome to Signet");
    await expect(page.textContent(".auth-card")).resolves.toContain(OWNER.email);
    await Promise.all([
      page.waitForURL(/\/console\/settings\?welcome=1$/),
      page.click("button:has-text('Continue')"),
    ]);
    await expect(page.textContent(".notice")).resolves.toContain("You are signed in");

    // the link is spent: a second use is refused
    const again = await context.newPage();
    await again.goto(link.url);
    await expect(again.textContent("h1")).resolves.toContain("cannot be used");
    await again.close();
  });

  it("sets a password, showing the field's error first when it is too short", async () => {
    await page.fill("#new_password", "short");
    await page.click("button:has-text('Set password')");
    await expect(page.textContent("#new_password-error")).resolves.toMatch(/at least 12 characters/);
    await expect(page.getAttribute("#new_password", "aria-invalid")).resolves.toBe("true");
    const unchanged = await server.signet.deps.store.users?.getByEmail(OWNER.email);
    expect(unchanged?.passwordHash).toBeNull();

    await page.fill("#new_password", OWNER.password);
    await Promise.all([page.waitForURL(/done=password/), page.click("button:has-text('Set password')")]);
    await expect(page.textContent(".notice")).resolves.toContain("Password saved");
    const user = await server.signet.deps.store.users?.getByEmail(OWNER.email);
    expect(user?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it("registers a passkey through a virtual authenticator (user verification on)", async () => {
    await addVirtualAuthenticator(page);
    await page.reload();
    await page.fill("#passkey-name", "Test laptop");
    await Promise.all([page.waitForURL(/done=passkey-added/), page.click("#passkey-add")]);
    await expect(page.textContent("#main")).resolves.toContain("Test laptop");
    await screenshot(page, "settings");
    const user = await server.signet.deps.store.users?.getByEmail(OWNER.email);
    const passkeys = await server.signet.deps.store.users?.listPasskeys(user?.id ?? "");
    expect(passkeys).toHaveLength(1);
  });

  it("signs in with email and password", async () => {
    await signOut(page);
    await page.fill("#email", OWNER.email);
    await page.fill("#password", "wrong password entirely");
    await page.click("#password-sign-in");
    await expect(page.textContent("#password-error")).resolves.toContain("do not match");
    await expect(page.inputValue("#password")).resolves.toBe("");
    await screenshot(page, "sign-in-error");

    await page.goto(url("/console/sign-in"));
    await screenshot(page, "sign-in");
    await signInWithPassword(page, OWNER);
    await expect(page.textContent("h1")).resolves.toBe("API keys");
    await expect(page.textContent(".topbar")).resolves.toContain(OWNER.email);
  });

  it("signs in with a passkey", async () => {
    await signOut(page);
    await page.waitForSelector("#passkey-sign-in", { state: "visible" });
    await Promise.all([page.waitForURL(/\/console\/keys$/), page.click("#passkey-sign-in")]);
    await expect(page.textContent(".topbar")).resolves.toContain(OWNER.email);
  });

  it("creates a key: the private key is shown once, downloads as a working credentials file", async () => {
    await page.goto(url("/console/keys/new"));
    await page.waitForSelector("#generation-browser:not([disabled])");
    await screenshot(page, "new-key");
    // the form validates on the server and names each bad field; nothing is written
    await page.fill("#name", "");
    await page.fill("#scopes", "Orders Read");
    await page.click("#create-key-submit");
    await expect(page.textContent("#name-error")).resolves.toContain("Enter a name");
    await expect(page.textContent("#scopes-error")).resolves.toContain("is not a scope");
    await expect(page.getAttribute("#scopes", "aria-invalid")).resolves.toBe("true");
    await screenshot(page, "new-key-errors");
    expect((await server.signet.deps.keys.listKeys(accountA, { limit: 10 })).items).toHaveLength(0);

    await page.fill("#name", "billing-service");
    await page.fill("#scopes", "demo:read keys:manage");
    await page.selectOption("#expires", "90");
    await page.click("#create-key-submit");
    await page.waitForSelector("#reveal-heading");
    await expect(page.textContent(".callout-warning")).resolves.toContain(
      "This is the only time the private key is shown",
    );
    await screenshot(page, "create-reveal");
    firstKey = await downloadCredentials(page);
    expect(firstKey.type).toBe("signet_service_key");
    expect(firstKey.account_id).toBe(accountA);
    expect(firstKey.scopes).toEqual(["demo:read", "keys:manage"]);
    await expect(page.textContent("#credential-line")).resolves.toBe(firstKey.credential);

    const me = await whoami(firstKey);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ key_id: firstKey.key_id, account_id: accountA });
  });

  it("reloading the key's page shows no trace of the private key", async () => {
    // the reveal page swapped its URL for the key's own, so a reload is a plain GET
    expect(new URL(page.url()).pathname).toBe(`/console/keys/${firstKey.key_id}`);
    await server.signet.deps.lastUsed?.flush();
    await page.reload();
    await page.waitForSelector("#details-heading");
    const html = await pageText(page);
    expect(html).toContain(firstKey.key_id);
    for (const secret of secrets) expect(html).not.toContain(secret);
    expect(html).not.toContain("PRIVATE KEY");
    await screenshot(page, "key-detail");
  });

  it("edits scopes with a field error first, then saves", async () => {
    await page.fill("#scopes", "demo:read not a scope");
    await page.click("button:has-text('Save changes')");
    await expect(page.textContent("#scopes-error")).resolves.toContain("is not a scope");
    const unchanged = await server.signet.deps.keys.getKey(accountA, firstKey.key_id);
    expect(unchanged.scopes).toEqual(["demo:read", "keys:manage"]);

    await page.fill("#name", "billing-service (prod)");
    await page.fill("#scopes", "demo:read keys:manage orders:read");
    await page.fill("#allowed_ips", "127.0.0.1\n::1");
    await Promise.all([page.waitForURL(/done=updated/), page.click("button:has-text('Save changes')")]);
    const saved = await server.signet.deps.keys.getKey(accountA, firstKey.key_id);
    expect(saved.name).toBe("billing-service (prod)");
    expect(saved.scopes).toEqual(["demo:read", "keys:manage", "orders:read"]);
    expect(saved.allowedIps).toEqual(["127.0.0.1/32", "::1/128"]);
    expect((await whoami(firstKey)).status).toBe(200);
  });

  it("generates a key pair in the browser; only the public key reaches the server", async () => {
    await page.goto(url("/console/keys/new"));
    await page.waitForSelector("#generation-browser:not([disabled])");
    await page.fill("#name", "made-in-browser");
    await page.fill("#scopes", "demo:read");
    await page.check("#generation-browser");
    await page.click("#create-key-submit");
    await page.waitForSelector("#reveal-heading");
    expect(new URL(page.url()).pathname).toMatch(/^\/console\/keys\/key_/);
    browserKey = await downloadCredentials(page);
    expect(browserKey.scopes).toEqual(["demo:read"]);
    const me = await whoami(browserKey);
    expect(me.status).toBe(200);
    expect(me.body.key_id).toBe(browserKey.key_id);
    const [event] = (
      await server.signet.deps.keys.listAudit(accountA, { limit: 1, keyId: browserKey.key_id })
    ).items;
    expect(event?.details.generated_by).toBe("client");
  });

  it("rotates a key: the new one works, the old one keeps working for the grace period", async () => {
    await page.goto(url(`/console/keys/${firstKey.key_id}`));
    await page.selectOption("#grace", "3600");
    await page.click("#rotate-key");
    await page.waitForSelector("#reveal-heading");
    await expect(page.textContent("#main")).resolves.toContain("keeps working until");
    rotated = await downloadCredentials(page);
    expect(rotated.key_id).not.toBe(firstKey.key_id);
    expect((await whoami(rotated)).status).toBe(200);
    expect((await whoami(firstKey)).status).toBe(200);
  });

  it("revokes after a confirmation; the key is refused from then on", async () => {
    await page.goto(url(`/console/keys/${rotated.key_id}`));
    await page.click("#revoke-key");
    await expect(page.textContent("h1")).resolves.toContain("Revoke");
    await expect(page.textContent(".callout-danger")).resolves.toContain("cannot be undone");
    await screenshot(page, "revoke-confirm");
    expect((await whoami(rotated)).status).toBe(200);
    await Promise.all([page.waitForURL(/done=revoked/), page.click("#confirm-revoke")]);
    await expect(page.textContent(".badge")).resolves.toBe("Revoked");
    const after = await whoami(rotated);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("key_revoked");
  });

  it("disables a key (refused with key_disabled) and can enable it again", async () => {
    await page.goto(url("/console/keys/new"));
    await page.fill("#name", "nightly-export");
    await page.fill("#scopes", "orders:read reports:write demo:read");
    await page.selectOption("#expires", "never");
    await page.click("#create-key-submit");
    await page.waitForSelector("#reveal-heading");
    const nightly = await downloadCredentials(page);
    await page.click("#reveal-done");
    await Promise.all([page.waitForURL(/done=disabled/), page.click("button:has-text('Disable key')")]);
    await expect(page.textContent("h1 .badge")).resolves.toBe("Disabled");
    expect((await whoami(nightly)).body.code).toBe("key_disabled");
    await Promise.all([page.waitForURL(/done=enabled/), page.click("button:has-text('Enable key')")]);
    expect((await whoami(nightly)).status).toBe(200);
    await Promise.all([page.waitForURL(/done=disabled/), page.click("button:has-text('Disable key')")]);
  });

  it("lists keys with their status, and the audit log with who did what", async () => {
    await server.signet.deps.lastUsed?.flush();
    await page.goto(url("/console/keys"));
    const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
    expect(rows).toHaveLength(4);
    expect(rows.some((row) => row.includes("nightly-export") && row.includes("Disabled"))).toBe(true);
    expect(rows.some((row) => row.includes("Revoked"))).toBe(true);
    expect(rows.some((row) => row.includes("made-in-browser") && row.includes("Active"))).toBe(true);
    expect(await pageText(page)).not.toContain(foreignKeyId);
    await screenshot(page, "key-list");

    await page.goto(url("/console/audit"));
    const audit = await page.textContent("tbody");
    expect(audit).toContain("Key created");
    expect(audit).toContain("Key rotated");
    expect(audit).toContain("Key revoked");
    expect(audit).toContain(OWNER.email);
    await screenshot(page, "audit-log");
  });

  it("an owner invites a member, who signs in with the link and sets a password", async () => {
    await page.goto(url("/console/team"));
    await page.fill("#email", "not-an-email");
    await page.click("button:has-text('Create sign-in link')");
    await expect(page.textContent("#email-error")).resolves.toContain("valid email");
    await page.fill("#email", MEMBER.email);
    await page.selectOption("#role", "member");
    await page.click("button:has-text('Create sign-in link')");
    const link = (await page.textContent("#invite-link")) ?? "";
    expect(link).toMatch(/\/console\/link\?token=/);
    linkTokens.push(new URL(link).searchParams.get("token") ?? "");
    await screenshot(page, "team-invite");

    const memberContext = await newContext(browser);
    const member = await memberContext.newPage();
    await member.goto(link);
    await Promise.all([member.waitForURL(/welcome=1/), member.click("button:has-text('Continue')")]);
    await member.fill("#new_password", MEMBER.password);
    await Promise.all([member.waitForURL(/done=password/), member.click("button:has-text('Set password')")]);
    await memberContext.close();
  });

  it("a member of account A can neither see nor touch account B's keys (404)", async () => {
    const memberContext = await newContext(browser);
    const member = await memberContext.newPage();
    await signInWithPassword(member, MEMBER);
    await expect(member.textContent("#main")).resolves.toContain("made-in-browser");

    const view = await member.goto(url(`/console/keys/${foreignKeyId}`));
    expect(view?.status()).toBe(404);
    await expect(member.textContent("h1")).resolves.toBe("Not found");
    expect(await pageText(member)).not.toContain("globex-prod");

    await member.goto(url("/console/keys"));
    const csrf = await csrfOf(member);
    const revoke = await member.request.post(url(`/console/keys/${foreignKeyId}/revoke`), {
      form: { csrf },
      maxRedirects: 0,
    });
    expect(revoke.status()).toBe(404);
    const rename = await member.request.post(url(`/console/keys/${foreignKeyId}`), {
      form: { csrf, name: "pwned", scopes: "demo:read", expires_on: "", allowed_ips: "" },
      maxRedirects: 0,
    });
    expect(rename.status()).toBe(404);
    const rotate = await member.request.post(url(`/console/keys/${foreignKeyId}/rotate`), {
      form: { csrf, grace: "0" },
      maxRedirects: 0,
    });
    expect(rotate.status()).toBe(404);
    const foreign = await server.signet.deps.store.keys.get(foreignKeyId);
    expect(foreign).toMatchObject({ name: "globex-prod", revokedAt: null });

    // the management API with the console session: same boundary
    const apiGet = await member.request.get(url(`/v1/keys/${foreignKeyId}`));
    expect(apiGet.status()).toBe(404);
    const apiRevoke = await member.request.post(url(`/v1/keys/${foreignKeyId}/revoke`), {
      headers: { "x-csrf-token": csrf },
    });
    expect(apiRevoke.status()).toBe(404);
    const apiList = (await (await member.request.get(url("/v1/keys"))).json()) as {
      data: Array<{ id: string }>;
    };
    expect(apiList.data.map((k) => k.id)).not.toContain(foreignKeyId);
    expect(apiList.data.length).toBe(4);
    await memberContext.close();
  });

  it("refuses a POST without the CSRF token (403) and writes nothing", async () => {
    await page.goto(url("/console/keys"));
    const before = (await server.signet.deps.keys.listKeys(accountA, { limit: 100 })).items.length;
    const noToken = await page.request.post(url("/console/keys/new"), {
      form: { name: "csrf-less", scopes: "demo:read", expires: "never", generation: "server" },
      maxRedirects: 0,
    });
    expect(noToken.status()).toBe(403);
    const wrongToken = await page.request.post(url("/console/keys/new"), {
      form: {
        csrf: "x".repeat(43),
        name: "csrf-less",
        scopes: "demo:read",
        expires: "never",
        generation: "server",
      },
      maxRedirects: 0,
    });
    expect(wrongToken.status()).toBe(403);
    const crossSite = await page.request.post(url("/console/keys/new"), {
      form: { csrf: await csrfOf(page), name: "csrf-less", scopes: "demo:read", expires: "never" },
      headers: { origin: "https://evil.example" },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    const noTokenSignOut = await page.request.post(url("/console/sign-out"), { form: {}, maxRedirects: 0 });
    expect(noTokenSignOut.status()).toBe(403);
    const api = await page.request.post(url("/v1/keys"), {
      data: { name: "csrf-less", scopes: ["demo:read"] },
    });
    expect(api.status()).toBe(403);
    expect((await api.json()).code).toBe("csrf_failed");
    expect((await server.signet.deps.keys.listKeys(accountA, { limit: 100 })).items.length).toBe(before);

    // with the session's header the management API accepts the console session
    const withHeader = await page.request.post(url("/v1/keys"), {
      data: { name: "from-session", scopes: ["demo:read"] },
      headers: { "x-csrf-token": await csrfOf(page) },
    });
    expect(withHeader.status()).toBe(201);
    const created = (await withHeader.json()) as {
      key: { id: string; created_by: string };
      credentials: CredentialsFile;
    };
    remember(created.credentials);
    expect(created.key.created_by).toMatch(/^user:usr_/);
  });

  it("works from the keyboard alone, and every control on every page has a label", async () => {
    await signOut(page);
    // Tab order on the sign-in page: brand link, passkey button, email, password, submit
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press("Tab");
      order.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ""),
      );
    }
    expect(order).toEqual(["A", "passkey-sign-in", "email", "password", "password-sign-in"]);
    await page.focus("#email");
    await page.keyboard.type(OWNER.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(OWNER.password);
    await Promise.all([page.waitForURL(/\/console\/keys$/), page.keyboard.press("Enter")]);
    // the skip link comes first and moves focus to the content
    await page.keyboard.press("Tab");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Skip to content");
    await page.keyboard.press("Enter");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("main");

    for (const path of [
      "/console/keys",
      "/console/keys/new",
      `/console/keys/${firstKey.key_id}`,
      `/console/keys/${firstKey.key_id}/revoke`,
      "/console/audit",
      "/console/team",
      "/console/settings",
    ]) {
      await page.goto(url(path));
      const unlabelled = await page.$$eval("input, select, textarea", (controls) =>
        controls
          .filter((c) => (c as HTMLInputElement).type !== "hidden" && !c.closest("[hidden]"))
          .filter((c) => (c as HTMLInputElement).labels?.length === 0 && !c.getAttribute("aria-label"))
          .map((c) => c.outerHTML),
      );
      expect(unlabelled, path).toEqual([]);
      const unnamedButtons = await page.$$eval("button, a[href]", (elements) =>
        elements
          .filter((e) => !(e.textContent ?? "").trim() && !e.getAttribute("aria-label"))
          .map((e) => e.outerHTML),
      );
      expect(unnamedButtons, path).toEqual([]);
    }
  });

  it("serves every page under a strict CSP, with no inline script and __Host- cookies", async () => {
    const response = await page.goto(url("/console/keys"));
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("unsafe-inline");
    const inline = await page.$$eval("script:not([src])", (scripts) => scripts.length);
    expect(inline).toBe(0);
    const cookies = await context.cookies(server.origin);
    const session = cookies.find((c) => c.name === "__Host-signet_session");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
    expect(session?.expires).toBe(-1);
  });

  it("leaves no private key, password or link token in the database file, the logs or the audit details", async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(2 + 3 * 6);
    const store = server.signet.deps.store;
    const details: string[] = [];
    for (const account of [accountA, accountB]) {
      let cursor: string | undefined;
      do {
        const page = await store.audit.list(account, { limit: 100, cursor });
        details.push(...page.items.map((e) => JSON.stringify(e)));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    expect(details.length).toBeGreaterThan(10);
    await server.stopApp(); // flush and close, so the files hold everything
    const files = readdirSync(server.db.dir).map((name) => join(server.db.dir, name));
    const haystacks = [
      ...files.map((file) => readFileSync(file).toString("latin1")),
      server.logs.join("\n"),
      details.join("\n"),
    ];
    expect(server.logs.length).toBeGreaterThan(20);
    for (const haystack of haystacks) {
      for (const secret of [...secrets, ...linkTokens]) {
        expect(secret.length).toBeGreaterThan(10);
        expect(haystack.includes(secret)).toBe(false);
      }
    }
    // and what is stored is only ever the public half and password hashes
    const database = haystacks.slice(0, files.length).join("");
    expect(database).toContain("$argon2id$v=19$m=19456,t=2,p=1$");
  });
});
