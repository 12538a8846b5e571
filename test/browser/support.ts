/**
 * The browser suite's world: the real Node app (SQLite, real clock) served on
 * http://localhost:<port> (a secure context, so __Host- cookies and WebAuthn work over http),
 * and Debian's Chromium driven by playwright-core. Nothing here downloads a browser.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";
import { createUserService, type UserService } from "../../src/console/users.js";
import { createLogger } from "../../src/entry/logger.js";
import { buildNodeSignet, type NodeSignet } from "../../src/entry/node-app.js";
import { createNodePasswordHasher } from "../../src/entry/password-node.js";
import { loadConfig } from "../../src/server/config.js";
import { freshSqlite } from "../support/sqlite.js";

export const CHROMIUM_PATH = process.env.SIGNET_CHROMIUM ?? "/usr/bin/chromium";
export const chromiumAvailable = existsSync(CHROMIUM_PATH);
export const SCREENSHOTS = join(process.cwd(), "test-results", "screenshots");

export interface ConsoleServer {
  origin: string;
  signet: NodeSignet;
  users: UserService;
  /** Every line the app logged. */
  logs: string[];
  db: { url: string; path: string; dir: string };
  /** Stops the app (flushing last-used times) and closes the database, so its files are complete. */
  stopApp(): Promise<void>;
  close(): Promise<void>;
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  const db = freshSqlite();
  const logs: string[] = [];
  let handler: (request: Request, env: unknown) => Response | Promise<Response> = () =>
    new Response("starting", { status: 503 });
  const server = serve({ fetch: (request, env) => handler(request, env), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://localhost:${port}`;
  const config = loadConfig({ SIGNET_PUBLIC_URL: origin, DATABASE_URL: db.url, SIGNET_LOG: "json" });
  const signet = await buildNodeSignet(config, {
    logger: createLogger("json", (line) => logs.push(line)),
    migrate: "never",
  });
  handler = (request, env) => signet.app.fetch(request, env as Record<string, unknown>);
  const users = createUserService({
    store: signet.deps.store,
    clock: signet.deps.clock,
    publicUrl: origin,
    hasher: createNodePasswordHasher(),
  });
  let stopped: Promise<void> | null = null;
  const stopApp = () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }).then(() => signet.close());
    return stopped;
  };
  return {
    origin,
    signet,
    users,
    logs,
    db,
    stopApp,
    async close() {
      await stopApp();
      rmSync(db.dir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    locale: "en-GB",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(10_000);
  return context;
}

/** A platform authenticator with user verification, through the DevTools protocol. */
export async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
