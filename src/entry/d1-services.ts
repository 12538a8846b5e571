import { systemClock } from "../core/clock.js";
import { loadConfig } from "../server/config.js";
import { createKeyService } from "../server/services/key-service.js";
import { type D1Location, openD1Store } from "../store/d1/node-store.js";
import { selectCrypto } from "./crypto.js";
import type { NodeServices } from "./node-services.js";

/**
 * The operator CLI's services on a Workers deployment's D1 database (`signet --d1 local|remote`).
 * The audience written into credentials files is the worker's: its `vars` in wrangler.toml
 * (or .dev.vars), unless SIGNET_PUBLIC_URL / SIGNET_AUDIENCE are set in this shell.
 */
export async function openD1Services(
  location: D1Location,
  env: Record<string, string | undefined> = process.env,
): Promise<NodeServices & { description: string }> {
  const opened = await openD1Store(location);
  try {
    const config = loadConfig({
      SIGNET_PUBLIC_URL: env.SIGNET_PUBLIC_URL || opened.vars.SIGNET_PUBLIC_URL,
      SIGNET_AUDIENCE: env.SIGNET_AUDIENCE || opened.vars.SIGNET_AUDIENCE,
    });
    const clock = systemClock;
    // Workers use Web Crypto; so does this side (the peculiar fallback where Node lacks Ed25519)
    const { provider, signatures } = await selectCrypto();
    const keys = createKeyService({
      store: opened.store,
      crypto: provider,
      clock,
      audience: config.audience,
    });
    return {
      store: opened.store,
      keys,
      crypto: provider,
      signatures,
      clock,
      description: opened.description,
    };
  } catch (error) {
    await opened.store.close();
    throw error;
  }
}
