/**
 * The webhook part of the Store port (store.webhooks), which every implementation that
 * offers it must pass: memory, SQLite and PostgreSQL through Prisma.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newAccountId } from "../../src/core/ids.js";
import { newDeliveryId } from "../../src/server/services/webhook-events.js";
import { newWebhookId } from "../../src/server/services/webhooks.js";
import type { NewWebhookDelivery, Store, WebhookRecord, WebhookStore } from "../../src/store/ports.js";

const T0 = 1_700_000_000_123;
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);

export function webhookConformance(name: string, makeStore: () => Promise<Store>): void {
  describe(`Webhook store conformance: ${name}`, () => {
    let store: Store;
    let hooks: WebhookStore;
    let accountId: string;

    beforeEach(async () => {
      store = await makeStore();
      if (!store.webhooks) throw new Error(`${name} has no webhook store`);
      hooks = store.webhooks;
      accountId = newAccountId();
      await store.accounts.create({ id: accountId, name: `acct-${accountId.slice(-8)}`, createdAt: at(0) });
    });

    afterEach(async () => {
      await store.close();
    });

    const aWebhook = (overrides: Partial<WebhookRecord> = {}): WebhookRecord => ({
      id: newWebhookId(),
      accountId,
      url: "https://hooks.example.com/x",
      events: [],
      disabled: false,
      createdBy: "key:key_0",
      createdAt: at(0),
      ...overrides,
    });

    const aDelivery = (
      webhookId: string,
      overrides: Partial<NewWebhookDelivery> = {},
    ): NewWebhookDelivery => ({
      id: newDeliveryId(),
      webhookId,
      accountId,
      eventId: "evt_0",
      eventType: "key.created",
      payload: JSON.stringify({ type: "key.created", n: "é\u2028" }),
      dedupeKey: null,
      createdAt: at(0),
      ...overrides,
    });

    it("creates, reads and lists webhooks newest first with cursor paging", async () => {
      const made: WebhookRecord[] = [];
      for (let i = 0; i < 5; i++) {
        made.push(
          await hooks.create(
            aWebhook({
              url: `https://h.example.com/${i}`,
              events: i % 2 ? ["key.revoked"] : [],
              createdAt: at(i % 3),
            }),
          ),
        );
      }
      expect(await hooks.get(made[1]?.id as string)).toEqual(made[1]);
      expect(made[1]?.events).toEqual(["key.revoked"]);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await hooks.list(accountId, { limit: 2, cursor });
        seen.push(...page.items.map((w) => w.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const expected = [...made]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((w) => w.id);
      expect(seen).toEqual(expected);
      expect(await hooks.get(newWebhookId())).toBeNull();
    });

    it("lists enabled webhooks, per account or all, oldest first", async () => {
      const a = await hooks.create(aWebhook({ createdAt: at(1) }));
      await hooks.create(aWebhook({ disabled: true }));
      const otherAccount = newAccountId();
      await store.accounts.create({
        id: otherAccount,
        name: `other-${otherAccount.slice(-8)}`,
        createdAt: at(0),
      });
      const b = await hooks.create(aWebhook({ accountId: otherAccount, createdAt: at(0) }));
      expect((await hooks.listEnabled(accountId)).map((w) => w.id)).toEqual([a.id]);
      expect((await hooks.listEnabled()).map((w) => w.id)).toEqual([b.id, a.id]);
    });

    it("queues deliveries due at creation, de-duplicates by dedupeKey, and deletes them with the webhook", async () => {
      const hook = await hooks.create(aWebhook());
      const first = await hooks.addDelivery(aDelivery(hook.id, { dedupeKey: "k1" }));
      expect(first).toMatchObject({
        status: "pending",
        attempts: 0,
        nextAttemptAt: at(0),
        lastError: null,
        responseStatus: null,
        deliveredAt: null,
        dedupeKey: "k1",
      });
      expect(first?.payload).toBe(JSON.stringify({ type: "key.created", n: "é\u2028" }));
      expect(await hooks.addDelivery(aDelivery(hook.id, { dedupeKey: "k1" }))).toBeNull();
      await hooks.addDelivery(aDelivery(hook.id));
      await hooks.addDelivery(aDelivery(hook.id)); // null dedupe keys never collide
      expect((await hooks.listDeliveries(hook.id, { limit: 10 })).items).toHaveLength(3);

      expect(await hooks.delete(hook.id)).toBe(true);
      expect(await hooks.delete(hook.id)).toBe(false);
      expect((await hooks.listDeliveries(hook.id, { limit: 10 })).items).toEqual([]);
      expect(await hooks.dueDeliveries(at(10), 10)).toEqual([]);
    });

    it("serves due deliveries oldest due first; a claim succeeds once and leases the delivery", async () => {
      const hook = await hooks.create(aWebhook());
      const late = await hooks.addDelivery(aDelivery(hook.id, { createdAt: at(5) }));
      const early = await hooks.addDelivery(aDelivery(hook.id, { createdAt: at(1) }));
      expect((await hooks.dueDeliveries(at(0), 10)).map((d) => d.id)).toEqual([]);
      expect((await hooks.dueDeliveries(at(5), 10)).map((d) => d.id)).toEqual([early?.id, late?.id]);
      expect((await hooks.dueDeliveries(at(5), 1)).map((d) => d.id)).toEqual([early?.id]);

      const id = early?.id as string;
      expect(await hooks.claimDelivery(id, 1, at(5), at(60_000))).toBe(false); // wrong attempt count
      expect(await hooks.claimDelivery(id, 0, at(0), at(60_000))).toBe(false); // not due yet
      expect(await hooks.claimDelivery(id, 0, at(5), at(60_000))).toBe(true);
      expect(await hooks.claimDelivery(id, 0, at(5), at(60_000))).toBe(false); // leased
      expect((await hooks.dueDeliveries(at(5), 10)).map((d) => d.id)).toEqual([late?.id]);
    });

    it("records attempts: pending with a retry time, then delivered or failed (never due again)", async () => {
      const hook = await hooks.create(aWebhook());
      const a = (await hooks.addDelivery(aDelivery(hook.id))) as { id: string };
      const b = (await hooks.addDelivery(aDelivery(hook.id))) as { id: string };
      await hooks.recordAttempt(a.id, {
        status: "pending",
        attempts: 1,
        nextAttemptAt: at(30_000),
        lastError: "HTTP 500",
        responseStatus: 500,
        deliveredAt: null,
      });
      await hooks.recordAttempt(b.id, {
        status: "failed",
        attempts: 8,
        nextAttemptAt: null,
        lastError: "ECONNREFUSED",
        responseStatus: null,
        deliveredAt: null,
      });
      expect((await hooks.dueDeliveries(at(29_999), 10)).map((d) => d.id)).toEqual([]);
      expect((await hooks.dueDeliveries(at(30_000), 10)).map((d) => d.id)).toEqual([a.id]);
      expect(await hooks.claimDelivery(a.id, 1, at(30_000), at(90_000))).toBe(true);
      await hooks.recordAttempt(a.id, {
        status: "delivered",
        attempts: 2,
        nextAttemptAt: null,
        lastError: null,
        responseStatus: 204,
        deliveredAt: at(30_001),
      });
      const page = await hooks.listDeliveries(hook.id, { limit: 10 });
      const byId = new Map(page.items.map((d) => [d.id, d]));
      expect(byId.get(a.id)).toMatchObject({
        status: "delivered",
        attempts: 2,
        responseStatus: 204,
        deliveredAt: at(30_001),
      });
      expect(byId.get(b.id)).toMatchObject({ status: "failed", attempts: 8, lastError: "ECONNREFUSED" });
      expect(await hooks.dueDeliveries(at(10_000_000), 10)).toEqual([]);
    });

    it("keeps signing keys oldest first and ignores a second add of the same id", async () => {
      expect(await hooks.listSigningKeys()).toEqual([]);
      await hooks.addSigningKey({ id: "kid-b", privateKey: "pem-b", createdAt: at(2) });
      await hooks.addSigningKey({ id: "kid-a", privateKey: "pem-a", createdAt: at(1) });
      await hooks.addSigningKey({ id: "kid-b", privateKey: "other", createdAt: at(0) });
      expect(await hooks.listSigningKeys()).toEqual([
        { id: "kid-a", privateKey: "pem-a", createdAt: at(1) },
        { id: "kid-b", privateKey: "pem-b", createdAt: at(2) },
      ]);
    });

    it("rolls a webhook back with the transaction it was created in", async () => {
      const id = newWebhookId();
      await expect(
        store.transaction(async (tx) => {
          await tx.webhooks?.create(aWebhook({ id }));
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect(await hooks.get(id)).toBeNull();
    });
  });
}
