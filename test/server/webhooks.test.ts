/**
 * Webhook rules without the network: target policy (SSRF), the signing key, retries up to
 * the last attempt, the expiring / unused scan and its de-duplication. Memory store, frozen
 * clock, a fake transport; plus Node's transport refusing a name that resolves to loopback.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { webCryptoProvider } from "../../src/core/crypto-provider.js";
import { generateKeyPair } from "../../src/core/keys.js";
import { createNodeWebhookTransport } from "../../src/entry/webhook-transport.js";
import { cliActor } from "../../src/server/services/actor.js";
import { createKeyService } from "../../src/server/services/key-service.js";
import { createWebhookOutbox, withKeyEvents } from "../../src/server/services/webhook-events.js";
import { createWebhookSigner, parseWebhookSigningKey } from "../../src/server/services/webhook-signing.js";
import { checkWebhookUrl } from "../../src/server/services/webhook-url.js";
import { createWebhookService, type WebhookTransport } from "../../src/server/services/webhooks.js";
import { createMemoryStore } from "../../src/store/memory/memory-store.js";
import type { WebhookStore } from "../../src/store/ports.js";

const DAY = 24 * 3600 * 1000;
const silent = { info() {}, warn() {}, error() {} };

function setup(transport: WebhookTransport, retrySchedule = [30, 120]) {
  const clock = fixedClock(1_700_000_000_000);
  const store = createMemoryStore();
  const webhooks = store.webhooks as WebhookStore;
  const outbox = createWebhookOutbox({ webhooks, keys: store.keys, clock });
  const keys = withKeyEvents(
    createKeyService({ store, crypto: webCryptoProvider, clock, audience: "https://api.example.com" }),
    outbox,
    clock,
    (error) => {
      throw error;
    },
  );
  const signer = createWebhookSigner({ store: webhooks, clock });
  const service = createWebhookService({
    store: { ...store, webhooks },
    outbox,
    signer,
    clock,
    logger: silent,
    issuer: "https://api.example.com",
    policy: { allowLoopback: false },
    transport,
    retrySchedule,
  });
  return { clock, store, webhooks, keys, service, signer };
}

describe("webhook target policy", () => {
  const strict = { allowLoopback: false };
  const loose = { allowLoopback: true };

  it("accepts http(s) URLs on public hosts and addresses", () => {
    expect(checkWebhookUrl("https://hooks.example.com/signet?x=1", strict).href).toBe(
      "https://hooks.example.com/signet?x=1",
    );
    expect(checkWebhookUrl("http://8.8.8.8:8080/h", strict).host).toBe("8.8.8.8:8080");
    expect(checkWebhookUrl("https://[2606:4700::1111]/h", strict).hostname).toBe("[2606:4700::1111]");
  });

  it.each([
    ["ftp://example.com/x", "must be http or https"],
    ["https://user:pw@example.com/x", "user name or password"],
    ["https://example.com/x#frag", "fragment"],
    ["not a url", "not an absolute URL"],
    ["http://intranet/x", "not a fully qualified host name"],
    ["http://127.0.0.1/x", "loopback"],
    ["http://2130706433/x", "loopback"], // 127.0.0.1 written as a number
    ["http://[::1]/x", "loopback"],
    ["http://[::ffff:127.0.0.1]/x", "loopback"],
    ["http://localhost:8080/x", "loopback"],
    ["http://api.localhost/x", "loopback"],
    ["http://10.1.2.3/x", "private"],
    ["http://192.168.1.1/x", "private"],
    ["http://169.254.169.254/latest/meta-data", "linkLocal"],
    ["http://100.64.0.1/x", "carrierGradeNat"],
    ["http://0.0.0.0/x", "unspecified"],
    ["http://[fd00::1]/x", "uniqueLocal"],
    ["http://[fe80::1]/x", "linkLocal"],
  ])("refuses %s (%s)", (url, reason) => {
    expect(() => checkWebhookUrl(url, strict)).toThrow(reason);
  });

  it("allows loopback, and only loopback, with allowLoopback", () => {
    expect(checkWebhookUrl("http://127.0.0.1:9/x", loose).port).toBe("9");
    expect(checkWebhookUrl("http://localhost:9/x", loose).hostname).toBe("localhost");
    expect(() => checkWebhookUrl("http://10.0.0.1/x", loose)).toThrow("private");
  });

  it("Node's transport refuses a host name that resolves to a refused address, before connecting", async () => {
    let connections = 0;
    const server = createServer((_req, res) => {
      connections++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const strictTransport = createNodeWebhookTransport({ allowLoopback: false });
      const request = { url: `http://localhost:${port}/x`, headers: {}, body: "{}", timeoutMs: 2000 };
      await expect(strictTransport(request)).rejects.toThrow(/loopback address/);
      await expect(strictTransport({ ...request, url: `http://127.0.0.1:${port}/x` })).rejects.toThrow(
        /loopback/,
      );
      expect(connections).toBe(0);
      const looseTransport = createNodeWebhookTransport({ allowLoopback: true });
      expect(await looseTransport({ ...request, url: `http://127.0.0.1:${port}/x` })).toEqual({
        status: 200,
      });
      expect(await looseTransport(request)).toEqual({ status: 200 }); // a name, resolved and checked
      expect(connections).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("webhook signing key", () => {
  it("accepts a PKCS#8 PEM or a base64url seed, and nothing else", async () => {
    const pair = await generateKeyPair(webCryptoProvider);
    expect(parseWebhookSigningKey(pair.privateKeyPem)).toEqual(pair.seed);
    expect(parseWebhookSigningKey(pair.privateKeyPem.replace(/\n/g, "\\n"))).toEqual(pair.seed);
    expect(parseWebhookSigningKey(Buffer.from(pair.seed).toString("base64url"))).toEqual(pair.seed);
    expect(() => parseWebhookSigningKey("hunter2")).toThrow(/PKCS#8 PEM or a 32-byte seed/);
  });

  it("signs with the configured key, publishes it, and stores nothing", async () => {
    const pair = await generateKeyPair(webCryptoProvider);
    const store = createMemoryStore();
    const webhooks = store.webhooks as WebhookStore;
    const signer = createWebhookSigner({
      store: webhooks,
      clock: fixedClock(0),
      configuredKey: pair.privateKeyPem,
    });
    const { keys } = await signer.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]?.x).toBe(pair.publicJwk.x);
    const token = await signer.sign({ iss: "a", aud: "b" });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "EdDSA",
      typ: "signet-webhook+jwt",
      kid: keys[0]?.kid,
    });
    await jwtVerify(token, await importJWK(keys[0] as unknown as Record<string, string>, "EdDSA"));
    expect(await webhooks.listSigningKeys()).toEqual([]);
  });

  it("without one, makes a key once and keeps using it", async () => {
    const store = createMemoryStore();
    const webhooks = store.webhooks as WebhookStore;
    const first = createWebhookSigner({ store: webhooks, clock: fixedClock(0) });
    const second = createWebhookSigner({ store: webhooks, clock: fixedClock(0) });
    const kid = (await first.current()).kid;
    expect((await second.current()).kid).toBe(kid);
    expect(await webhooks.listSigningKeys()).toHaveLength(1);
  });
});

describe("webhook delivery", () => {
  it("retries on the schedule, then marks the delivery failed after the last attempt", async () => {
    const attempts: Array<{ at: number; attempt: string | undefined }> = [];
    const ctx = setup(async ({ headers }) => {
      attempts.push({ at: ctx.clock.now(), attempt: headers["signet-attempt"] });
      throw new Error("connect ECONNREFUSED");
    });
    const account = await ctx.keys.createAccount("acme", cliActor);
    const hook = await ctx.service.createWebhook(
      account.id,
      { url: "https://hooks.example.com/x" },
      cliActor,
    );
    await ctx.keys.createKey(account.id, { name: "k", scopes: ["a:b"] }, cliActor);
    const start = ctx.clock.now();

    await ctx.service.runDue();
    ctx.clock.advance(30_000);
    await ctx.service.runDue();
    ctx.clock.advance(119_000);
    await ctx.service.runDue(); // 1 s early: nothing
    expect(attempts).toHaveLength(2);
    ctx.clock.advance(1_000);
    await ctx.service.runDue();
    ctx.clock.advance(DAY);
    await ctx.service.runDue(); // no fourth attempt

    expect(attempts).toEqual([
      { at: start, attempt: "1" },
      { at: start + 30_000, attempt: "2" },
      { at: start + 150_000, attempt: "3" },
    ]);
    const [delivery] = (await ctx.service.listDeliveries(account.id, hook.id, { limit: 10 })).items;
    expect(delivery).toMatchObject({
      status: "failed",
      attempts: 3,
      nextAttemptAt: null,
      lastError: "connect ECONNREFUSED",
      deliveredAt: null,
    });
  });

  it("sends only the events a webhook asked for, and none once it is deleted", async () => {
    const sent: string[] = [];
    const ctx = setup(async ({ headers }) => {
      sent.push(headers["signet-event"] as string);
      return { status: 204 };
    });
    const account = await ctx.keys.createAccount("acme", cliActor);
    const hook = await ctx.service.createWebhook(
      account.id,
      { url: "https://hooks.example.com/x", events: ["key.revoked"] },
      cliActor,
    );
    const { key } = await ctx.keys.createKey(account.id, { name: "k", scopes: ["a:b"] }, cliActor);
    await ctx.keys.revokeKey(account.id, key.id, cliActor);
    await ctx.service.runDue();
    expect(sent).toEqual(["key.revoked"]);

    await ctx.service.deleteWebhook(account.id, hook.id, cliActor);
    await ctx.keys.createKey(account.id, { name: "k2", scopes: ["a:b"] }, cliActor);
    await ctx.service.runDue();
    expect(sent).toEqual(["key.revoked"]);
    const audit = (await ctx.store.audit.list(account.id, { limit: 50 })).items.map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["webhook.created", "webhook.deleted"]));
  });

  it("refuses unknown event types, an 11th webhook and a duplicate URL", async () => {
    const ctx = setup(async () => ({ status: 200 }));
    const account = await ctx.keys.createAccount("acme", cliActor);
    await expect(
      ctx.service.createWebhook(
        account.id,
        { url: "https://h.example.com/x", events: ["key.eaten"] },
        cliActor,
      ),
    ).rejects.toThrow(/unknown event type/);
    for (let i = 0; i < 10; i++) {
      await ctx.service.createWebhook(account.id, { url: `https://h.example.com/${i}` }, cliActor);
    }
    await expect(
      ctx.service.createWebhook(account.id, { url: "https://h.example.com/11" }, cliActor),
    ).rejects.toMatchObject({ code: "conflict" });
    const other = await ctx.keys.createAccount("other", cliActor);
    await ctx.service.createWebhook(other.id, { url: "https://h.example.com/0" }, cliActor);
    await expect(
      ctx.service.createWebhook(other.id, { url: "https://h.example.com/0" }, cliActor),
    ).rejects.toThrow(/already registered/);
  });
});

describe("webhook scan", () => {
  it("announces an unused key once per quiet spell, and an expiring key once, but not a rotated-away one", async () => {
    const events: Array<{ type: string; keyId: string }> = [];
    const ctx = setup(async ({ body }) => {
      const event = JSON.parse(body);
      events.push({ type: event.type, keyId: event.data.key.id });
      return { status: 200 };
    });
    const account = await ctx.keys.createAccount("acme", cliActor);
    await ctx.service.createWebhook(
      account.id,
      { url: "https://hooks.example.com/x", events: ["key.expiring", "key.unused"] },
      cliActor,
    );
    const quiet = (await ctx.keys.createKey(account.id, { name: "quiet", scopes: ["a:b"] }, cliActor)).key;
    const rotating = (await ctx.keys.createKey(account.id, { name: "rot", scopes: ["a:b"] }, cliActor)).key;
    await ctx.keys.rotateKey(account.id, rotating.id, {}, cliActor); // old one now expires in 24 h
    const expiring = (
      await ctx.keys.createKey(
        account.id,
        { name: "exp", scopes: ["a:b"], expiresAt: new Date(ctx.clock.now() + 10 * DAY) },
        cliActor,
      )
    ).key;

    await ctx.service.scan();
    expect(await ctx.service.scan()).toBe(0);
    await ctx.service.runDue();
    expect(events).toEqual([]); // nothing is 30 days quiet, nothing expires within 7 days but the rotated key

    ctx.clock.advance(3 * DAY + 1); // "exp" now expires in < 7 days
    await ctx.service.scan();
    await ctx.service.scan();
    await ctx.service.runDue();
    expect(events).toEqual([{ type: "key.expiring", keyId: expiring.id }]);

    ctx.clock.advance(27 * DAY); // "quiet" and the new rotated key: 30 days unused
    await ctx.store.keys.touchLastUsed([{ id: expiring.id, at: new Date(ctx.clock.now()) }]);
    await ctx.service.scan();
    await ctx.service.scan();
    await ctx.service.runDue();
    const unused = events.filter((e) => e.type === "key.unused").map((e) => e.keyId);
    expect(unused).toContain(quiet.id);
    expect(unused).not.toContain(rotating.id); // expired at the end of its grace period
    expect(unused).not.toContain(expiring.id); // used just now (and expired since, too)
    expect(new Set(unused).size).toBe(unused.length);

    // used again, then quiet for another 30 days: a new notice
    await ctx.store.keys.touchLastUsed([{ id: quiet.id, at: new Date(ctx.clock.now()) }]);
    ctx.clock.advance(30 * DAY);
    await ctx.service.scan();
    await ctx.service.runDue();
    expect(events.filter((e) => e.type === "key.unused" && e.keyId === quiet.id)).toHaveLength(2);
  });
});
