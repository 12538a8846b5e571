/**
 * The Workers D1 database, opened from Node for the operator CLI (`signet --d1 …`): the local
 * one that `wrangler dev` uses (through the Miniflare that wrangler runs on, with the binding
 * wrangler derives from the config, so the same workerd SQLite is read and written, never its
 * files directly), or a deployed one through D1's HTTP API. Same Prisma store code as everywhere else.
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { D1Database } from "@cloudflare/workers-types";
import { PrismaD1 } from "@prisma/adapter-d1";
import type { Store } from "../ports.js";
import { PrismaClient } from "../prisma/generated/client.js";
import { createPrismaStore } from "../prisma/prisma-store.js";
import { d1Transactions } from "./transactions.js";

export type D1Target = "local" | "remote";

export interface D1Location {
  target: D1Target;
  /** The Wrangler config file. Default: wrangler.toml in the working directory. */
  configPath?: string | undefined;
  /** A Wrangler environment (`[env.<name>]`) to take the binding and vars from. */
  environment?: string | undefined;
  /** local: wrangler's state folder, as given to `wrangler dev --persist-to`. Default .wrangler/state. */
  persistTo?: string | undefined;
  /** The D1 binding name. Default DB. */
  binding?: string | undefined;
  /** remote: where the account id and API token come from. Default process.env. */
  env?: Record<string, string | undefined>;
}

export interface OpenedD1 {
  store: Store;
  /** The worker's `vars` from the Wrangler config (audience, public URL, limits). */
  vars: Record<string, string>;
  /** Where the store points, for messages. */
  description: string;
}

function stringVars(vars: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars ?? {})) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out[name] = String(value);
    }
  }
  return out;
}

/**
 * Where `wrangler dev` keeps local state: `--persist-to` (relative to the working directory),
 * else `.wrangler/state` beside the config. Wrangler stores it one `v3` level further down.
 */
export function d1PersistPath(persistTo: string | undefined, projectDir: string): string {
  return persistTo ? resolve(persistTo, "v3") : resolve(projectDir, ".wrangler", "state", "v3");
}

function storeFor(db: D1Database | ConstructorParameters<typeof PrismaD1>[0], kind: string) {
  const client = new PrismaClient({ adapter: new PrismaD1(db as D1Database) });
  return { client, store: d1Transactions(createPrismaStore(client, kind)) };
}

/** Opens the Workers D1 database named in the Wrangler config. */
export async function openD1Store(location: D1Location): Promise<OpenedD1> {
  const wrangler = await import("wrangler");
  const configPath = resolve(location.configPath ?? "wrangler.toml");
  const binding = location.binding ?? "DB";
  const config = wrangler.unstable_readConfig(
    { config: configPath, env: location.environment },
    { hideWarnings: true },
  );
  const database = config.d1_databases.find((d: { binding: string }) => d.binding === binding);
  if (!database) {
    throw new Error(
      `${configPath} has no D1 binding ${binding}${location.environment ? ` in [env.${location.environment}]` : ""}`,
    );
  }
  const vars = stringVars(config.vars as Record<string, unknown>);

  if (location.target === "remote") {
    const env = location.env ?? process.env;
    const accountId = env.CLOUDFLARE_ACCOUNT_ID;
    const token = env.CLOUDFLARE_D1_TOKEN ?? env.CLOUDFLARE_API_TOKEN;
    const databaseId = env.CLOUDFLARE_DATABASE_ID ?? database.database_id;
    if (!accountId || !token) {
      throw new Error(
        "--d1 remote needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_D1_TOKEN (an API token with D1 Edit)",
      );
    }
    if (!databaseId || /^0{8}-/.test(databaseId)) {
      throw new Error(`set database_id for ${binding} in ${configPath} (from \`npx wrangler d1 create\`)`);
    }
    const { client, store } = storeFor(
      { CLOUDFLARE_ACCOUNT_ID: accountId, CLOUDFLARE_D1_TOKEN: token, CLOUDFLARE_DATABASE_ID: databaseId },
      "d1-remote",
    );
    return {
      store: withClose(store, () => client.$disconnect()),
      vars,
      description: `D1 ${database.database_name ?? databaseId} (remote, HTTP API)`,
    };
  }

  // The D1 binding exactly as `wrangler dev` makes it (same id, same files), and nothing else.
  const persistPath = d1PersistPath(location.persistTo, dirname(configPath));
  const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(configPath, location.environment);
  // the Miniflare wrangler itself runs on, so the storage format always matches
  const { Miniflare, Log, LogLevel } = (await import(
    pathToFileURL(createRequire(import.meta.resolve("wrangler")).resolve("miniflare")).href
  )) as typeof import("miniflare");
  const miniflare = new Miniflare({
    modules: true,
    script: "export default {}",
    compatibilityDate: workerOptions.compatibilityDate,
    d1Databases: workerOptions.d1Databases,
    d1Persist: join(persistPath, "d1"),
    log: new Log(LogLevel.ERROR),
  });
  let db: D1Database;
  try {
    db = (await miniflare.getD1Database(binding)) as unknown as D1Database;
  } catch (error) {
    await miniflare.dispose();
    throw error;
  }
  const { client, store } = storeFor(db, "d1-local");
  return {
    store: withClose(store, async () => {
      await client.$disconnect();
      await miniflare.dispose();
    }),
    vars: { ...vars, ...stringVars(workerOptions.bindings as Record<string, unknown> | undefined) },
    description: `D1 ${database.database_name ?? binding} (local, ${persistPath})`,
  };
}

function withClose(store: Store, close: () => Promise<void>): Store {
  return Object.create(store, { close: { value: close } });
}
