/**
 * `npm run demo`: a server on a throw-away database, and the whole story against it over
 * real HTTP: account and key → signed request 200 → same token again 401 replayed_token →
 * wrong scope 403 → revoke → 401 key_revoked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createSigner } from "../src/client/signer.js";
import { parseCredentialsFile } from "../src/core/credentials.js";
import { createLogger } from "../src/entry/logger.js";
import { buildNodeSignet } from "../src/entry/node-app.js";
import { loadConfig } from "../src/server/config.js";
import { cliActor } from "../src/server/services/actor.js";

const dir = mkdtempSync(join(tmpdir(), "signet-demo-"));
const step = (n: number, text: string) => console.log(`\n${n}. ${text}`);
const show = async (response: Response) => {
  const body = (await response.json()) as Record<string, unknown>;
  console.log(
    `   -> ${response.status} ${body.code ? `${body.code}: ${body.detail}` : JSON.stringify(body)}`,
  );
  return response.status;
};

const probe = serve({ fetch: () => new Response(), port: 0, hostname: "127.0.0.1" });
await new Promise((resolve) => probe.once("listening", resolve));
const port = (probe.address() as { port: number }).port;
await new Promise((resolve) => probe.close(resolve));

const config = loadConfig({
  DATABASE_URL: `file:${join(dir, "signet.db")}`,
  PORT: String(port),
  SIGNET_PUBLIC_URL: `http://127.0.0.1:${port}`,
  SIGNET_LOG: "silent",
});
console.log(`Signet demo: temporary database in ${dir}`);
const signet = await buildNodeSignet(config, { logger: createLogger("silent") });
const server = serve({ fetch: signet.app.fetch, port, hostname: "127.0.0.1" });
await new Promise((resolve) => server.once("listening", resolve));
console.log(`server listening on ${config.publicUrl}`);

let failed = false;
try {
  const { keys } = signet.deps;
  step(1, "create an account and a key with scope demo:read (the server keeps only the public half)");
  const account = await keys.createAccount("acme", cliActor);
  const { key, credentials } = await keys.createKey(
    account.id,
    { name: "ci", scopes: ["demo:read"] },
    cliActor,
  );
  console.log(`   account ${account.id}, key ${key.id}, fingerprint ${key.fingerprint}`);
  const signer = createSigner(parseCredentialsFile(credentials));
  const url = `${config.publicUrl}/v1/demo/echo?message=hi`;

  step(2, "signed request to GET /v1/demo/echo (needs demo:read)");
  const token = await signer.sign({ method: "GET", url });
  const first = await show(await fetch(url, { headers: { authorization: `Bearer ${token}` } }));

  step(3, "the same token again (a replay)");
  const replay = await show(await fetch(url, { headers: { authorization: `Bearer ${token}` } }));

  step(4, "a route needing a scope the key lacks: POST /v1/keys needs keys:manage");
  const createUrl = `${config.publicUrl}/v1/keys`;
  const scopeFail = await show(
    await fetch(createUrl, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await signer.sign({ method: "POST", url: createUrl })}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: "x", scopes: ["demo:read"] }),
    }),
  );

  step(5, `revoke ${key.id}`);
  await keys.revokeKey(account.id, key.id, cliActor);
  console.log("   -> revoked");

  step(6, "a fresh, correctly signed request after the revoke");
  const revoked = await show(
    await fetch(url, { headers: { authorization: `Bearer ${await signer.sign({ method: "GET", url })}` } }),
  );

  failed = !(first === 200 && replay === 401 && scopeFail === 403 && revoked === 401);
  console.log(failed ? "\ndemo: UNEXPECTED RESULT" : "\ndemo: every step behaved as designed");
} finally {
  await new Promise((resolve) => server.close(resolve));
  await signet.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
