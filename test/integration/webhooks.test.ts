/**
 * Webhooks end to end on loopback: Signet (real HTTP server, SQLite) POSTs signed key events
 * to a receiver that knows no secret. The receiver fetches /.well-known/signet-webhook-keys
 * and checks every delivery with jose; it refuses the first attempt (500), so the test also
 * proves the retry and its backoff. The clock is frozen and advanced by hand.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { base64url, createRemoteJWKSet, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Signer } from "../../src/client/signer.js";
import { fixedClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/entry/logger.js";
import { buildNodeSignet } from "../../src/entry/node-app.js";
import { loadConfig } from "../../src/server/config.js";
import { type RunningSignet, startSignet } from "../support/signet-server.js";
import { describeWithTools, toolProblem } from "../support/tools.js";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  /** What the receiver's verification concluded. */
  verified: { ok: true; claims: JWTPayload } | { ok: false; error: string };
}

const clock = fixedClock(Math.floor(Date.now() / 1000) * 1000);
let running: RunningSignet;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let answers: number[] = [];
let admin: Signer;
let jwks: ReturnType<typeof createRemoteJWKSet>;

/** What a receiver does: verify the JWS against Signet's published keys, then the body digest. */
async function verifyDelivery(signature: string | undefined, body: string): Promise<Received["verified"]> {
  try {
    if (!signature) throw new Error("no Signet-Signature");
    const { payload } = await jwtVerify(signature, jwks, {
      algorithms: ["EdDSA"],
      typ: "signet-webhook+jwt",
      issuer: running.origin,
      audience: receiverUrl,
      maxTokenAge: "5m",
      currentDate: new Date(clock.now()),
    });
    const digest = base64url.encode(createHash("sha256").update(body).digest());
    if (payload.body_sha256 !== digest) throw new Error("body_sha256 does not match the body");
    return { ok: true, claims: payload };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const url = `${running.origin}${path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${await admin.sign({ method, url })}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const verified = await verifyDelivery(request.headers["signet-signature"] as string | undefined, body);
      received.push({ headers: request.headers, body, verified });
      const status = answers.shift() ?? 200;
      response.writeHead(verified.ok ? status : 400).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/signet`;
  running = await startSignet({ clock, env: { SIGNET_WEBHOOK_ALLOW_LOOPBACK: "true" } });
  jwks = createRemoteJWKSet(new URL(`${running.origin}/.well-known/signet-webhook-keys`));
  admin = (await running.createKey(["keys:manage"])).signer;
});

afterAll(async () => {
  await running?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe("webhooks", () => {
  let webhookId: string;
  let createdKeyId: string;

  it("registers a webhook and publishes only public keys at /.well-known/signet-webhook-keys", async () => {
    const created = await call("POST", "/v1/webhooks", { url: receiverUrl });
    expect(created.status).toBe(201);
    const hook = await created.json();
    expect(hook).toMatchObject({ url: receiverUrl, events: [], disabled: false });
    expect(hook.id).toMatch(/^whk_[0-9A-HJKMNP-TV-Z]{26}$/);
    webhookId = hook.id;

    const keys = await fetch(`${running.origin}/.well-known/signet-webhook-keys`);
    expect(keys.status).toBe(200);
    expect(keys.headers.get("cache-control")).toBe("public, max-age=300");
    const set = await keys.json();
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      alg: "EdDSA",
      use: "sig",
    });

    const listed = await (await call("GET", "/v1/webhooks")).json();
    expect(listed.data.map((w: { id: string }) => w.id)).toEqual([webhookId]);
  });

  it("delivers key.created signed, retries after a 500 with backoff, and shows it in the deliveries", async () => {
    answers = [500]; // the receiver fails the first attempt, then accepts
    const created = await call("POST", "/v1/keys", { name: "billing", scopes: ["orders:read"] });
    expect(created.status).toBe(201);
    createdKeyId = (await created.json()).key.id;

    await running.signet.webhooks?.runDue(); // waits for the attempt the key change started
    expect(received).toHaveLength(1);
    const first = received[0] as Received;
    expect(first.verified).toMatchObject({ ok: true });

    let page = await (await call("GET", `/v1/webhooks/${webhookId}/deliveries`)).json();
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      event_type: "key.created",
      status: "pending",
      attempts: 1,
      last_error: "HTTP 500",
      response_status: 500,
      next_attempt_at: new Date(clock.now() + 30_000).toISOString(),
      delivered_at: null,
    });

    // not due yet: nothing is sent before the backoff has passed
    clock.advance(29_000);
    await running.signet.webhooks?.runDue();
    expect(received).toHaveLength(1);

    clock.advance(1_000);
    await running.signet.webhooks?.runDue();
    expect(received).toHaveLength(2);
    const second = received[1] as Received;
    expect(second.verified).toMatchObject({ ok: true });

    page = await (await call("GET", `/v1/webhooks/${webhookId}/deliveries`)).json();
    expect(page.data[0]).toMatchObject({
      event_type: "key.created",
      status: "delivered",
      attempts: 2,
      last_error: null,
      response_status: 200,
      next_attempt_at: null,
      delivered_at: new Date(clock.now()).toISOString(),
    });

    // the same event, byte for byte, on both attempts; each attempt signed afresh
    expect(second.body).toBe(first.body);
    const event = JSON.parse(second.body);
    expect(event).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      type: "key.created",
      account_id: expect.stringMatching(/^acc_/),
      data: { key: { id: createdKeyId, name: "billing", scopes: ["orders:read"], status: "active" } },
    });
    expect(JSON.stringify(event)).not.toMatch(/PRIVATE KEY|private_key|signet_sk_/);
    expect(first.headers["signet-attempt"]).toBe("1");
    expect(second.headers["signet-attempt"]).toBe("2");
    expect(second.headers["signet-event"]).toBe("key.created");
    expect(second.headers["signet-delivery"]).toBe(page.data[0].id);
    expect(second.headers["signet-timestamp"]).toBe(String(Math.floor(clock.now() / 1000)));
    const claims = (second.verified as { claims: JWTPayload }).claims;
    expect(claims).toMatchObject({
      iss: running.origin,
      aud: receiverUrl,
      event_id: event.id,
      event_type: "key.created",
      delivery_id: page.data[0].id,
    });
    expect(claims.jti).not.toBe((first.verified as { claims: JWTPayload }).claims.jti);
  });

  it("a receiver refuses a tampered body, a foreign key and a replay to another URL", async () => {
    const good = received[1] as Received;
    const signature = good.headers["signet-signature"] as string;
    expect(await verifyDelivery(signature, good.body.replace("billing", "billinG"))).toMatchObject({
      ok: false,
      error: "body_sha256 does not match the body",
    });

    const [header] = signature.split(".");
    const { kid } = JSON.parse(Buffer.from(header as string, "base64url").toString());
    const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const forged = await new SignJWT((good.verified as { claims: JWTPayload }).claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "signet-webhook+jwt", kid })
      .sign(attacker.privateKey);
    expect(await verifyDelivery(forged, good.body)).toMatchObject({ ok: false });

    const elsewhere = receiverUrl;
    receiverUrl = "https://other.example/hooks";
    try {
      expect(await verifyDelivery(signature, good.body)).toMatchObject({ ok: false });
    } finally {
      receiverUrl = elsewhere;
    }
  });

  it("delivers key.rotated and key.revoked", async () => {
    const before = received.length;
    const rotated = await call("POST", `/v1/keys/${createdKeyId}/rotate`, {});
    expect(rotated.status).toBe(201);
    const newKeyId = (await rotated.json()).key.id;
    const revoked = await call("POST", `/v1/keys/${newKeyId}/revoke`);
    expect(revoked.status).toBe(200);
    await running.signet.webhooks?.runDue();

    const events = received.slice(before).map((r) => ({ ok: r.verified.ok, event: JSON.parse(r.body) }));
    expect(events.map((e) => e.ok)).toEqual([true, true]);
    const byType = Object.fromEntries(events.map((e) => [e.event.type, e.event.data]));
    expect(byType["key.rotated"]).toMatchObject({ key: { id: newKeyId }, previous: { id: createdKeyId } });
    expect(byType["key.revoked"]).toMatchObject({ key: { id: newKeyId, status: "revoked" } });

    // revoking again changes nothing and announces nothing
    expect((await call("POST", `/v1/keys/${newKeyId}/revoke`)).status).toBe(200);
    await running.signet.webhooks?.runDue();
    expect(received.length).toBe(before + 2);
  });

  it("announces a key expiring within 7 days once, however often the scan runs", async () => {
    const before = received.length;
    const expiresAt = new Date(clock.now() + 6 * 24 * 3600 * 1000).toISOString();
    const created = await call("POST", "/v1/keys", {
      name: "short",
      scopes: ["orders:read"],
      expires_at: expiresAt,
    });
    const keyId = (await created.json()).key.id;
    await running.signet.webhooks?.runDue(); // key.created
    await running.signet.webhooks?.scan();
    await running.signet.webhooks?.scan();
    await running.signet.webhooks?.runDue();
    expect(received.slice(before).every((r) => r.verified.ok)).toBe(true);
    const expiring = received
      .slice(before)
      .map((r) => JSON.parse(r.body))
      .filter((e) => e.type === "key.expiring");
    expect(expiring).toHaveLength(1);
    expect(expiring[0].data).toMatchObject({ key: { id: keyId }, expires_at: expiresAt });
  });

  it("keeps its signing key across restarts (same kid from the same database)", async () => {
    const set = await (await fetch(`${running.origin}/.well-known/signet-webhook-keys`)).json();
    const again = await buildNodeSignet(
      loadConfig({ SIGNET_PUBLIC_URL: running.origin, DATABASE_URL: running.databaseUrl }),
      { logger: createLogger("silent"), migrate: "never", clock },
    );
    try {
      const response = await again.app.request(`${running.origin}/.well-known/signet-webhook-keys`);
      expect((await response.json()).keys).toEqual(set.keys);
    } finally {
      await again.close();
    }
  });

  it("refuses loopback and private targets unless SIGNET_WEBHOOK_ALLOW_LOOPBACK is set", async () => {
    const strict = await startSignet({ clock });
    try {
      const { signer } = await strict.createKey(["keys:manage"]);
      for (const url of [
        receiverUrl,
        "http://localhost:9/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest",
        "ftp://example.com/x",
      ]) {
        const target = `${strict.origin}/v1/webhooks`;
        const response = await fetch(target, {
          method: "POST",
          headers: {
            authorization: `Bearer ${await signer.sign({ method: "POST", url: target })}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ url }),
        });
        expect(response.status, url).toBe(400);
        expect(await response.json()).toMatchObject({ code: "invalid_request", field: "url" });
      }
    } finally {
      await strict.close();
    }
  });
});

/** A python3 with PyJWT 2 and cryptography (Debian's first). */
function findPython(): { python: string; problem: string | null } {
  let problem: string | null = null;
  for (const python of ["/usr/bin/python3", "python3"]) {
    problem = toolProblem(python, [
      "-c",
      "import jwt, cryptography; from jwt.algorithms import OKPAlgorithm",
    ]);
    if (problem === null) return { python, problem };
  }
  return { python: "python3", problem };
}
const { python, problem: pythonProblem } = findPython();

describeWithTools(
  "webhooks: a Python receiver",
  [
    {
      what: "python3 with PyJWT and cryptography",
      install: "apt-get install python3-jwt python3-cryptography",
      problem: pythonProblem,
    },
  ],
  () => {
    it("verifies a real delivery with the docs/webhooks.md function, and refuses a tampered body", async () => {
      const doc = readFileSync(resolve(import.meta.dirname, "..", "..", "docs", "webhooks.md"), "utf8");
      const code = /```python\n([\s\S]*?)```/.exec(doc)?.[1];
      expect(code).toBeTruthy();
      const dir = mkdtempSync(join(tmpdir(), "signet-webhook-py-"));
      try {
        const script = join(dir, "receiver.py");
        writeFileSync(
          script,
          `${code}
import sys
event = verify_signet_webhook(sys.argv[1], open(sys.argv[2], "rb").read(), signet=sys.argv[3],
                              my_url=sys.argv[4], keys=jwt.PyJWKClient(sys.argv[5]))
print(json.dumps(event))
`,
        );
        const delivery = received[0] as Received;
        const args = (body: string) => {
          writeFileSync(join(dir, "body.json"), body);
          return [
            script,
            delivery.headers["signet-signature"] as string,
            join(dir, "body.json"),
            running.origin,
            receiverUrl,
            `${running.origin}/.well-known/signet-webhook-keys`,
          ];
        };
        const run = promisify(execFile);
        const { stdout } = await run(python, args(delivery.body));
        expect(JSON.parse(stdout)).toEqual(JSON.parse(delivery.body));
        await expect(run(python, args(delivery.body.replace("billing", "billinG")))).rejects.toThrow(
          /body does not match the signature/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
