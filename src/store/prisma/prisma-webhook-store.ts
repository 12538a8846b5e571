import { UniqueViolation } from "../errors.js";
import type { WebhookDeliveryRecord, WebhookDeliveryStatus, WebhookRecord, WebhookStore } from "../ports.js";
import type { Prisma, PrismaClient, Webhook, WebhookDelivery } from "./generated/client.js";
import { afterCursor, pageOf } from "./paging.js";

type Db = PrismaClient | Prisma.TransactionClient;

function toWebhook(row: Webhook): WebhookRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    disabled: row.disabled,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

function toDelivery(row: WebhookDelivery): WebhookDeliveryRecord {
  return { ...row, status: row.status as WebhookDeliveryStatus };
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string }).code === "P2002";

/** Webhooks, deliveries and the server's webhook signing keys in the Prisma database. */
export function prismaWebhookStore(db: Db): WebhookStore {
  return {
    async create(webhook) {
      try {
        const row = await db.webhook.create({
          data: { ...webhook, events: JSON.stringify(webhook.events) },
        });
        return toWebhook(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw new UniqueViolation("webhook");
        throw error;
      }
    },
    async get(id) {
      const row = await db.webhook.findUnique({ where: { id } });
      return row ? toWebhook(row) : null;
    },
    async list(accountId, request) {
      const rows = await db.webhook.findMany({
        where: { accountId, ...afterCursor(request.cursor) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: request.limit + 1,
      });
      return pageOf(rows, request.limit, toWebhook);
    },
    async listEnabled(accountId) {
      const rows = await db.webhook.findMany({
        where: { disabled: false, ...(accountId ? { accountId } : {}) },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(toWebhook);
    },
    async delete(id) {
      // explicit rather than relying on ON DELETE CASCADE, which not every SQLite connection enforces
      await db.webhookDelivery.deleteMany({ where: { webhookId: id } });
      const result = await db.webhook.deleteMany({ where: { id } });
      return result.count > 0;
    },
    async addDelivery(delivery) {
      try {
        const row = await db.webhookDelivery.create({
          data: { ...delivery, status: "pending", attempts: 0, nextAttemptAt: delivery.createdAt },
        });
        return toDelivery(row);
      } catch (error) {
        if (delivery.dedupeKey !== null && isUniqueViolation(error)) return null;
        throw error;
      }
    },
    async listDeliveries(webhookId, request) {
      const rows = await db.webhookDelivery.findMany({
        where: { webhookId, ...afterCursor(request.cursor) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: request.limit + 1,
      });
      return pageOf(rows, request.limit, toDelivery);
    },
    async dueDeliveries(now, limit) {
      const rows = await db.webhookDelivery.findMany({
        where: { status: "pending", nextAttemptAt: { lte: now } },
        orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
        take: limit,
      });
      return rows.map(toDelivery);
    },
    async claimDelivery(id, attempts, now, leaseUntil) {
      const result = await db.webhookDelivery.updateMany({
        where: { id, status: "pending", attempts, nextAttemptAt: { lte: now } },
        data: { nextAttemptAt: leaseUntil },
      });
      return result.count === 1;
    },
    async recordAttempt(id, result) {
      await db.webhookDelivery.updateMany({ where: { id }, data: result });
    },
    listSigningKeys: () => db.webhookSigningKey.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    async addSigningKey(key) {
      try {
        await db.webhookSigningKey.create({ data: key });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    },
  };
}
