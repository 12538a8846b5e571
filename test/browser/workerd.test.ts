/**
 * The console on Cloudflare Workers' runtime: a test worker (test/browser/workerd/) in local
 * workerd, with passwords hashed by the portable Argon2id (@noble/hashes), driven by Chromium:
 * sign in with a password, create a key, call /v1/whoami with the downloaded file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadCredentials } from "../../src/client/credentials.js";
import { createSignedFetch } from "../../src/client/signed-fetch.js";
import { parsePhc } from "../../src/console/password.js";
import { createNodePasswordHasher } from "../../src/entry/password-node.js";
import { describeInWorkerd, freePort, type StartedWorker, startWorker } from "../workers/support.js";
import { CHROMIUM_PATH, chromiumAvailable, launchChromium, newContext } from "./support.js";

const USER = { email: "ops@acme.test", password: "workers need long passwords too" };

if (!chromiumAvailable && process.env.CI === "true") {
  it("Chromium is installed (CI)", () => {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; .ci/run installs the chromium package`);
  });
}

describeInWorkerd("the console on workerd", () => {
  let worker: StartedWorker;
  let browser: Browser | undefined;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    worker = await startWorker({
      config: join(import.meta.dirname, "workerd", "wrangler.toml"),
      port,
      persist: false,
      vars: { SIGNET_PUBLIC_URL: origin },
    });
    if (chromiumAvailable) browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.dispose();
  });

  it("hashes passwords in workerd as PHC Argon2id that Node's native binding verifies", async () => {
    const response = await worker.fetch("/__test/seed", {
      method: "POST",
      body: JSON.stringify(USER),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(200);
    const { passwordHash } = (await response.json()) as { passwordHash: string };
    expect(parsePhc(passwordHash)).toMatchObject({ m: 19456, t: 2, p: 1 });
    expect(await createNodePasswordHasher().verify(passwordHash, USER.password)).toBe(true);
  });

  it.skipIf(!chromiumAvailable)(
    "signs in, creates a key and the downloaded credentials call /v1/whoami",
    async () => {
      const context = await newContext(browser as Browser);
      const page = await context.newPage();
      const response = await page.goto(`${origin}/console/sign-in`);
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
      await page.fill("#email", USER.email);
      await page.fill("#password", USER.password);
      await Promise.all([page.waitForURL(/\/console\/keys$/), page.click("#password-sign-in")]);
      await page.goto(`${origin}/console/keys/new`);
      await page.fill("#name", "edge-service");
      await page.fill("#scopes", "demo:read");
      await page.click("#create-key-submit");
      await page.waitForSelector("#reveal-heading");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("#download-credentials"),
      ]);
      const credentials = JSON.parse(readFileSync(await download.path(), "utf8")) as Record<string, unknown>;
      const signedFetch = createSignedFetch(await loadCredentials(credentials as never), { warn: () => {} });
      const whoami = await signedFetch(`${origin}/v1/whoami`);
      expect(whoami.status).toBe(200);
      expect(((await whoami.json()) as { key_id: string }).key_id).toBe(credentials.key_id);
      await page.reload();
      expect(await page.content()).not.toContain(String(credentials.credential));
      await context.close();
    },
  );
});
