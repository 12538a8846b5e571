/**
 * Test-only worker (test/browser/workerd/wrangler.toml): the console on workerd with the
 * portable Argon2id hasher (@noble/hashes), over an in-isolate memory store. Proves the
 * console's code runs on Workers; the browser suite drives it with Chromium.
 */
import {
  createConsole,
  createPortablePasswordHasher,
  createUserService,
} from "../../../src/console/index.js";
import { systemClock } from "../../../src/core/clock.js";
import { webCryptoProvider } from "../../../src/core/crypto-provider.js";
import { joseSignatureVerifier } from "../../../src/core/signature.js";
import { createVerifier } from "../../../src/core/verifier.js";
import { createApp } from "../../../src/server/app.js";
import type { AppDeps } from "../../../src/server/env.js";
import { cliActor } from "../../../src/server/services/actor.js";
import { createKeyService } from "../../../src/server/services/key-service.js";
import { createKeyCache } from "../../../src/store/key-cache.js";
import { createMemoryReplayStore } from "../../../src/store/memory/memory-replay-store.js";
import { createMemoryStore } from "../../../src/store/memory/memory-store.js";

interface Env {
  SIGNET_PUBLIC_URL: string;
}

function build(publicUrl: string) {
  const clock = systemClock;
  const store = createMemoryStore();
  const keyCache = createKeyCache({
    keys: store.keys,
    signatures: joseSignatureVerifier,
    clock,
    ttlMs: 1000,
  });
  const keys = createKeyService({
    store,
    crypto: webCryptoProvider,
    clock,
    audience: publicUrl,
    onKeyChanged: (keyId) => keyCache.invalidate(keyId),
  });
  const hasher = createPortablePasswordHasher();
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    logs.push(JSON.stringify({ level, message, ...fields }));
  };
  const deps: AppDeps = {
    config: { publicUrl, audience: publicUrl, clockSkew: 60, maxLifetime: 300 },
    store,
    verifier: createVerifier({
      keys: keyCache,
      replay: createMemoryReplayStore({ clock }),
      signatures: joseSignatureVerifier,
      clock,
      audience: publicUrl,
      publicOrigin: publicUrl,
      clockSkew: 60,
      maxLifetime: 300,
    }),
    keyCache,
    keys,
    clock,
    logger: { info: log("info"), warn: log("warn"), error: log("error") },
    clientIp: (request) => request.headers.get("cf-connecting-ip") ?? undefined,
    console: createConsole({ hasher }),
  };
  const users = createUserService({ store, clock, publicUrl, hasher });
  return { app: createApp(deps), deps, keys, users, logs };
}

let built: ReturnType<typeof build> | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    built ??= build(env.SIGNET_PUBLIC_URL);
    const url = new URL(request.url);
    if (url.pathname === "/__test/seed" && request.method === "POST") {
      // an account and a user with a password, hashed here (in workerd) by the portable hasher
      const { email, password } = (await request.json()) as { email: string; password: string };
      const account = await built.keys.createAccount("acme", cliActor);
      const { user } = await built.users.createUser(account.id, { email, role: "owner" }, cliActor);
      await built.users.setPassword(user, password, cliActor);
      const stored = await built.deps.store.users?.get(user.id);
      return Response.json({ accountId: account.id, passwordHash: stored?.passwordHash });
    }
    if (url.pathname === "/__test/logs") return Response.json(built.logs);
    return built.app.fetch(request, env as unknown as Record<string, unknown>);
  },
};
