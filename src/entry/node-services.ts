import { type Clock, systemClock } from "../core/clock.js";
import type { CryptoProvider } from "../core/crypto-provider.js";
import type { SignatureVerifier } from "../core/signature.js";
import type { NodeConfig } from "../server/config.js";
import { createKeyService, type KeyService } from "../server/services/key-service.js";
import { createWebhookOutbox, type WebhookOutbox, withKeyEvents } from "../server/services/webhook-events.js";
import type { Store } from "../store/ports.js";
import { openPostgresStore } from "../store/prisma/postgres.js";
import { type MigrateMode, openSqliteStore } from "../store/prisma/sqlite.js";
import { selectCrypto } from "./crypto.js";

export interface NodeServices {
  store: Store;
  keys: KeyService;
  crypto: CryptoProvider;
  signatures: SignatureVerifier;
  clock: Clock;
  /** Queues webhook deliveries (key events from this process; the server sends them). */
  webhookOutbox?: WebhookOutbox;
}

/** Opens the configured database (migrating it first when asked). */
export async function openStore(
  config: Pick<NodeConfig, "databaseUrl">,
  options: { migrate?: MigrateMode } = {},
): Promise<Store> {
  if (config.databaseUrl.startsWith("file:")) {
    return openSqliteStore(config.databaseUrl, options.migrate ?? "never");
  }
  // PostgreSQL's migrator takes an advisory lock, so running it at every start is safe.
  return openPostgresStore(config.databaseUrl, { migrate: (options.migrate ?? "never") !== "never" });
}

/** The store and services the server and the operator CLI share. */
export async function openNodeServices(
  config: Pick<NodeConfig, "databaseUrl" | "audience">,
  options: {
    migrate?: MigrateMode;
    clock?: Clock;
    onKeyChanged?: (keyId: string) => void | Promise<void>;
    /** Deliveries were queued (the server's dispatcher sends them right away). */
    onWebhookQueued?: () => void;
    /** Queuing a webhook event failed after its key change committed. */
    onWebhookError?: (error: unknown) => void;
  } = {},
): Promise<NodeServices> {
  const clock = options.clock ?? systemClock;
  const { provider, signatures } = await selectCrypto(
    process.env.SIGNET_CRYPTO === "peculiar" || process.env.SIGNET_CRYPTO === "jose"
      ? process.env.SIGNET_CRYPTO
      : undefined,
  );
  const store = await openStore(config, options);
  const baseKeys = createKeyService({
    store,
    crypto: provider,
    clock,
    audience: config.audience,
    onKeyChanged: (keyId) => options.onKeyChanged?.(keyId),
  });
  // Key events go to the webhook outbox whoever makes the change (API, console or CLI).
  const webhookOutbox = store.webhooks
    ? createWebhookOutbox({
        webhooks: store.webhooks,
        keys: store.keys,
        clock,
        onQueued: () => options.onWebhookQueued?.(),
      })
    : undefined;
  const keys = webhookOutbox
    ? withKeyEvents(
        baseKeys,
        webhookOutbox,
        clock,
        options.onWebhookError ??
          ((error) => process.stderr.write(`signet: could not queue a webhook event: ${String(error)}\n`)),
      )
    : baseKeys;
  return { store, keys, crypto: provider, signatures, clock, webhookOutbox };
}
