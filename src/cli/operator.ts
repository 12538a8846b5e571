import { access, readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { NotFoundError } from "../core/errors.js";
import { isKeyId } from "../core/ids.js";
import { openNodeServices } from "../entry/node-services.js";
import { loadConfig } from "../server/config.js";
import { keyView } from "../server/schemas.js";
import { cliActor } from "../server/services/actor.js";
import { migrateDatabase } from "../store/prisma/migrate.js";
import { parseDuration } from "./duration.js";
import { print, printTable, progress } from "./output.js";

const list = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

async function withServices<T>(
  work: (services: Awaited<ReturnType<typeof openNodeServices>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env);
  const services = await openNodeServices(config, { migrate: "if-needed" });
  try {
    return await work(services);
  } finally {
    await services.store.close();
  }
}

async function writeCredentials(path: string, credentials: unknown): Promise<void> {
  // 0600 and exclusive create: never overwrite an existing file or leave it readable by others
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: "wx" });
}

/** Checked before a key is made: failing after would leave a key whose private half is lost. */
async function assertOutFree(path: string | undefined): Promise<void> {
  if (path === undefined) return;
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`${path} already exists; not overwriting it (choose another --out)`);
}

async function keyOrFail(
  store: { keys: { get(id: string): Promise<{ accountId: string } | null> } },
  id: string,
) {
  if (!isKeyId(id)) throw new NotFoundError(`no key ${JSON.stringify(id)} (ids look like key_…)`);
  const key = await store.keys.get(id);
  if (!key) throw new NotFoundError(`no key ${id}`);
  return key;
}

/** Operator commands: straight on the configured database (DATABASE_URL). */
export function registerOperatorCommands(program: Command): void {
  program
    .command("migrate")
    .description("apply database migrations (DATABASE_URL)")
    .action(async () => {
      const config = loadConfig(process.env);
      const stop = progress(`migrating ${config.databaseUrl}`);
      const output = await migrateDatabase(config.databaseUrl).finally(stop);
      print(/No pending migrations/.test(output) ? "database is up to date" : "migrations applied");
    });

  const accounts = program.command("accounts").description("manage accounts");
  accounts
    .command("create <name>")
    .description("create an account")
    .action(async (name: string) => {
      await withServices(async ({ keys }) => {
        const account = await keys.createAccount(name, cliActor);
        print(`created account ${account.name} (${account.id})`);
      });
    });
  accounts
    .command("list")
    .description("list accounts")
    .action(async () => {
      await withServices(async ({ store }) => {
        const all = await store.accounts.list();
        printTable(
          ["ID", "NAME", "CREATED"],
          all.map((a) => [a.id, a.name, a.createdAt.toISOString()]),
        );
      });
    });

  const keysCommand = program.command("keys").description("manage keys");
  keysCommand
    .command("create")
    .description("create a key; the private key is written once to --out (or printed)")
    .requiredOption("--account <id|name>", "the account that owns the key")
    .requiredOption("--name <name>", "a name for people")
    .requiredOption("--scopes <a,b>", "comma-separated scopes, e.g. orders:read,orders:write")
    .option("--expires <duration>", "expire after e.g. 90d, 24h")
    .option("--public-key <file>", "register your own public key (SPKI PEM or JWK file) instead")
    .option("--allowed-ips <cidrs>", "comma-separated CIDR ranges the key may be used from")
    .option("--reusable", "allow tokens without htm/htu/jti (for clients that cannot sign per request)")
    .option("--out <file>", "write the credentials file here (mode 0600)")
    .action(async (options: Record<string, string | boolean | undefined>) => {
      await assertOutFree(options.out === undefined ? undefined : String(options.out));
      const publicKeyText = options.publicKey ? await readFile(String(options.publicKey), "utf8") : undefined;
      const publicKey =
        publicKeyText === undefined
          ? undefined
          : publicKeyText.trim().startsWith("{")
            ? JSON.parse(publicKeyText)
            : publicKeyText;
      await withServices(async ({ keys, clock }) => {
        const account = await keys.findAccount(String(options.account));
        const expiresIn = options.expires ? parseDuration(String(options.expires)) : null;
        const created = await keys.createKey(
          account.id,
          {
            name: String(options.name),
            scopes: list(String(options.scopes)),
            expiresAt: expiresIn === null ? null : new Date(clock.now() + expiresIn * 1000),
            allowedIps: options.allowedIps ? list(String(options.allowedIps)) : [],
            reusable: options.reusable === true,
            publicKey,
          },
          cliActor,
        );
        if (created.credentials && options.out) {
          await writeCredentials(String(options.out), created.credentials);
          print(
            `created ${created.key.id} (${created.key.scopes.join(" ")}); credentials written to ${options.out}`,
          );
        } else if (created.credentials) {
          process.stderr.write("This is the only time the private key is shown. Store it now.\n");
          print(JSON.stringify(created.credentials, null, 2));
        } else {
          print(
            `registered ${created.key.id} (${created.key.scopes.join(" ")}) with your public key ${created.key.fingerprint}`,
          );
        }
      });
    });
  keysCommand
    .command("list")
    .description("list an account's keys, newest first")
    .requiredOption("--account <id|name>", "the account")
    .option("--json", "print JSON")
    .action(async (options: { account: string; json?: boolean }) => {
      await withServices(async ({ keys, clock }) => {
        const account = await keys.findAccount(options.account);
        const all = [];
        let cursor: string | undefined;
        do {
          const page = await keys.listKeys(account.id, { limit: 100, cursor });
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const views = all.map((k) => keyView(k, clock.now()));
        if (options.json) print(JSON.stringify(views, null, 2));
        else
          printTable(
            ["ID", "NAME", "STATUS", "SCOPES", "CREATED", "EXPIRES"],
            views.map((k) => [k.id, k.name, k.status, k.scopes.join(","), k.created_at, k.expires_at ?? "-"]),
          );
      });
    });
  keysCommand
    .command("rotate <id>")
    .description("replace a key; the old one keeps working for the grace period")
    .option("--grace <duration>", "how long the old key keeps working", "24h")
    .option("--out <file>", "write the new credentials file here (mode 0600)")
    .action(async (id: string, options: { grace: string; out?: string }) => {
      const grace = parseDuration(options.grace);
      await assertOutFree(options.out);
      await withServices(async ({ keys, store }) => {
        const current = await keyOrFail(store, id);
        const result = await keys.rotateKey(current.accountId, id, { gracePeriodSeconds: grace }, cliActor);
        const until = result.previous.expiresAt?.toISOString() ?? "now";
        if (options.out) {
          await writeCredentials(options.out, result.credentials);
          print(
            `rotated ${id} -> ${result.key.id}; ${id} works until ${until}; credentials written to ${options.out}`,
          );
        } else {
          process.stderr.write(`rotated ${id} -> ${result.key.id}; ${id} works until ${until}\n`);
          process.stderr.write("This is the only time the private key is shown. Store it now.\n");
          print(JSON.stringify(result.credentials, null, 2));
        }
      });
    });
  keysCommand
    .command("revoke <id>")
    .description("revoke a key now (final)")
    .action(async (id: string) => {
      await withServices(async ({ keys, store }) => {
        const current = await keyOrFail(store, id);
        await keys.revokeKey(current.accountId, id, cliActor);
        print(`revoked ${id}`);
      });
    });
}
