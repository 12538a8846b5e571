/**
 * Signet in this process on a real loopback port (buildNodeSignet + @hono/node-server), on a
 * fresh migrated SQLite copy, for suites that put real clients, gateways or receivers in front.
 */
import { rmSync } from "node:fs";
import { serve } from "@hono/node-server";
import { loadCredentials } from "../../src/client/credentials.js";
import { createSigner, type Signer } from "../../src/client/signer.js";
import type { Clock } from "../../src/core/clock.js";
import type { CredentialsFile } from "../../src/core/credentials.js";
import { createLogger } from "../../src/entry/logger.js";
import { buildNodeSignet, type NodeSignet } from "../../src/entry/node-app.js";
import { loadConfig } from "../../src/server/config.js";
import { cliActor } from "../../src/server/services/actor.js";
import { freePort } from "./services.js";
import { freshSqlite } from "./sqlite.js";

export interface RunningSignet {
  signet: NodeSignet;
  /** Where Signet itself listens, e.g. http://127.0.0.1:41234. */
  origin: string;
  port: number;
  /** The SQLite database (a fresh migrated copy, removed by close()). */
  databaseUrl: string;
  logs: string[];
  /** An account and a key in it (made through the key service, like the CLI does). */
  createKey(scopes: string[], account?: string): Promise<{ credentials: CredentialsFile; signer: Signer }>;
  close(): Promise<void>;
}

export async function startSignet(
  options: {
    publicUrl?: (origin: string) => string;
    env?: Record<string, string>;
    clock?: Clock;
    port?: number;
  } = {},
): Promise<RunningSignet> {
  const db = freshSqlite();
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const config = loadConfig({
    SIGNET_PUBLIC_URL: options.publicUrl ? options.publicUrl(origin) : origin,
    DATABASE_URL: db.url,
    PORT: String(port),
    HOST: "127.0.0.1",
    ...options.env,
  });
  const signet = await buildNodeSignet(config, {
    logger: createLogger("json", (line) => logs.push(line)),
    migrate: "never",
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const server = serve({ fetch: signet.app.fetch, port, hostname: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const accounts = new Map<string, string>();
  let closing: Promise<void> | undefined;
  return {
    signet,
    origin,
    port,
    databaseUrl: db.url,
    logs,
    async createKey(scopes, account = "acme") {
      let accountId = accounts.get(account);
      if (!accountId) {
        accountId = (await signet.deps.keys.createAccount(account, cliActor)).id;
        accounts.set(account, accountId);
      }
      const created = await signet.deps.keys.createKey(accountId, { name: "test", scopes }, cliActor);
      if (!created.credentials) throw new Error("expected server-generated credentials");
      const credentials = created.credentials;
      const signer = createSigner(await loadCredentials(credentials as unknown as Record<string, unknown>), {
        now: () => signet.deps.clock.now(),
      });
      return { credentials, signer };
    },
    async close() {
      closing ??= (async () => {
        (server as import("node:http").Server).closeAllConnections(); // serve() made an http.Server
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await signet.close();
        rmSync(db.dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
