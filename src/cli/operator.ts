import { access, readFile, writeFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { createUserService } from "../console/users.js";
import { NotFoundError } from "../core/errors.js";
import { isKeyId } from "../core/ids.js";
import { openD1Services } from "../entry/d1-services.js";
import { openNodeServices } from "../entry/node-services.js";
import { createNodePasswordHasher } from "../entry/password-node.js";
import { loadConfig } from "../server/config.js";
import { keyView } from "../server/schemas.js";
import { cliActor } from "../server/services/actor.js";
import type { D1Location } from "../store/d1/node-store.js";
import { migrateDatabase } from "../store/prisma/migrate.js";
import { createRedisConnection } from "../store/redis/connection.js";
import { createKeyChangePublisher } from "../store/redis/redis-key-bus.js";
import { parseDuration } from "./duration.js";
import { print, printTable, progress } from "./output.js";

const list = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Set by the global `--d1` option: the commands then work on a Workers deployment's D1. */
let d1: D1Location | undefined;

async function withServices<T>(
  work: (services: Awaited<ReturnType<typeof openNodeServices>>) => Promise<T>,
): Promise<T> {
  if (d1) {
    const services = await openD1Services(d1);
    try {
      return await work(services);
    } finally {
      await services.store.close();
    }
  }
  const config = loadConfig(process.env);
  // With Redis, running servers hear of a change at once; without it (or if Redis is down)
  // their database change feed picks it up within 1 s.
  const bus = config.redisUrl
    ? createKeyChangePublisher(createRedisConnection(config.redisUrl, { role: "commands" }), (error) =>
        process.stderr.write(
          `signet: warning: could not notify servers through Redis (${String(error)}); they will see the change within 1 s\n`,
        ),
      )
    : undefined;
  const services = await openNodeServices(config, {
    migrate: "if-needed",
    onKeyChanged: (keyId) => bus?.publish(keyId),
  });
  try {
    return await work(services);
  } finally {
    await services.store.close();
    await bus?.close();
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
    .addOption(
      new Option("--d1 <where>", "work on a Cloudflare Workers D1 database instead of DATABASE_URL").choices([
        "local",
        "remote",
      ]),
    )
    .option("--wrangler-env <name>", "with --d1: the wrangler.toml environment to use, e.g. production")
    .option("--persist-to <dir>", "with --d1 local: wrangler dev's state folder (default .wrangler/state)")
    .hook("preAction", (root) => {
      const o = root.opts<{ d1?: "local" | "remote"; wranglerEnv?: string; persistTo?: string }>();
      d1 = o.d1 ? { target: o.d1, environment: o.wranglerEnv, persistTo: o.persistTo } : undefined;
    });
  program
    .command("migrate")
    .description("apply database migrations (DATABASE_URL)")
    .action(async () => {
      if (d1) throw new Error(`for D1 run: npx wrangler d1 migrations apply DB --${d1.target}`);
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

  const usersCommand = program.command("users").description("manage the people who sign in to the console");
  const userService = (services: Awaited<ReturnType<typeof openNodeServices>>, publicUrl?: string) =>
    createUserService({
      store: services.store,
      clock: services.clock,
      publicUrl: publicUrl ? new URL(publicUrl).origin : loadConfig(process.env).publicUrl,
      hasher: createNodePasswordHasher(),
    });
  const printLink = (link: { url: string; expiresAt: Date }) => {
    process.stderr.write(
      `This sign-in link works once, until ${link.expiresAt.toISOString()} (15 minutes):\n`,
    );
    print(link.url);
  };
  usersCommand
    .command("create")
    .description("add a person to an account; prints a one-time sign-in link (15 minutes, single use)")
    .requiredOption("--account <id|name>", "the account they belong to")
    .requiredOption("--email <email>", "their email address (how they sign in)")
    .addOption(new Option("--role <role>", "what they may do").choices(["owner", "member"]).default("owner"))
    .option("--public-url <url>", "the console's public origin for the link (default SIGNET_PUBLIC_URL)")
    .action(
      async (options: { account: string; email: string; role: "owner" | "member"; publicUrl?: string }) => {
        await withServices(async (services) => {
          const account = await services.keys.findAccount(options.account);
          const { user, link } = await userService(services, options.publicUrl).createUser(
            account.id,
            { email: options.email, role: options.role },
            cliActor,
          );
          process.stderr.write(`created ${user.role} ${user.email} (${user.id}) in ${account.name}\n`);
          printLink(link);
        });
      },
    );
  usersCommand
    .command("link <email>")
    .description("a new one-time sign-in link for an existing user (lost passkey or password)")
    .option("--public-url <url>", "the console's public origin for the link (default SIGNET_PUBLIC_URL)")
    .action(async (email: string, options: { publicUrl?: string }) => {
      await withServices(async (services) => {
        const users = userService(services, options.publicUrl);
        const user = await users.findByEmail(email);
        printLink(await users.issueLink(user.id, cliActor));
      });
    });
  usersCommand
    .command("list")
    .description("list an account's users")
    .requiredOption("--account <id|name>", "the account")
    .action(async (options: { account: string }) => {
      await withServices(async (services) => {
        const account = await services.keys.findAccount(options.account);
        const all = await userService(services).listUsers(account.id);
        printTable(
          ["ID", "EMAIL", "ROLE", "CREATED", "LAST SIGN-IN"],
          all.map((u) => [
            u.id,
            u.email,
            u.role,
            u.createdAt.toISOString(),
            u.lastSignInAt?.toISOString() ?? "-",
          ]),
        );
      });
    });
}
