import { CHANGE_FEED_LIMIT } from "../change-feed.js";
import { UniqueViolation } from "../errors.js";
import type { AuditEventRecord, KeyRecord, NewKey, PageRequest, Store } from "../ports.js";
import type { ApiKey, AuditEvent, Prisma, PrismaClient } from "./generated/client.js";
import { afterCursor, pageOf } from "./paging.js";
import { prismaSessionStore, prismaUserStore } from "./prisma-console-store.js";
import { prismaWebhookStore } from "./prisma-webhook-store.js";

/** Either the client or the transaction handle Prisma passes to interactive transactions. */
type Db = PrismaClient | Prisma.TransactionClient;

const parseList = (json: string): string[] => JSON.parse(json) as string[];

function toKey(row: ApiKey): KeyRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    name: row.name,
    x: row.publicKeyX,
    fingerprint: row.fingerprint,
    scopes: parseList(row.scopes),
    allowedIps: parseList(row.allowedIps),
    reusable: row.reusable,
    maxLifetime: row.maxLifetime,
    disabled: row.disabled,
    createdBy: row.createdBy,
    rotatedFrom: row.rotatedFrom,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

function toEvent(row: AuditEvent): AuditEventRecord {
  return { ...row, details: JSON.parse(row.details) as Record<string, unknown> };
}

/** Rows after the cursor in (createdAt desc, id desc) order. */
async function unique<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw new UniqueViolation(what);
    throw error;
  }
}

/** The Prisma implementation of the store ports; the same code serves SQLite, Postgres and D1. */
export function createPrismaStore(client: PrismaClient, kind: string): Store {
  function bind(db: Db): Store {
    const store: Store = {
      kind,
      accounts: {
        create: (account) => unique("account", db.account.create({ data: account })),
        get: (id) => db.account.findUnique({ where: { id } }),
        getByName: (name) => db.account.findUnique({ where: { name } }),
        list: () => db.account.findMany({ orderBy: { createdAt: "asc" } }),
      },
      keys: {
        async create(key: NewKey) {
          const row = await unique(
            "key",
            db.apiKey.create({
              data: {
                id: key.id,
                accountId: key.accountId,
                name: key.name,
                publicKeyX: key.x,
                fingerprint: key.fingerprint,
                scopes: JSON.stringify(key.scopes),
                allowedIps: JSON.stringify(key.allowedIps),
                reusable: key.reusable,
                maxLifetime: key.maxLifetime,
                disabled: key.disabled ?? false,
                createdBy: key.createdBy,
                rotatedFrom: key.rotatedFrom,
                createdAt: key.createdAt,
                updatedAt: key.createdAt,
                expiresAt: key.expiresAt,
              },
            }),
          );
          return toKey(row);
        },
        async get(id) {
          const row = await db.apiKey.findUnique({ where: { id } });
          return row ? toKey(row) : null;
        },
        async getByFingerprint(fingerprint) {
          const row = await db.apiKey.findUnique({ where: { fingerprint } });
          return row ? toKey(row) : null;
        },
        async list(accountId, request: PageRequest) {
          const rows = await db.apiKey.findMany({
            where: { accountId, ...afterCursor(request.cursor) },
            orderBy: [{ createdAt: "desc" }, { id: "desc" }],
            take: request.limit + 1,
          });
          return pageOf(rows, request.limit, toKey);
        },
        async update(id, patch) {
          const { scopes, allowedIps, ...rest } = patch;
          const result = await db.apiKey.updateMany({
            where: { id },
            data: {
              ...rest,
              ...(scopes ? { scopes: JSON.stringify(scopes) } : {}),
              ...(allowedIps ? { allowedIps: JSON.stringify(allowedIps) } : {}),
            },
          });
          if (result.count === 0) return null;
          const row = await db.apiKey.findUnique({ where: { id } });
          return row ? toKey(row) : null;
        },
        async touchLastUsed(uses) {
          // better-sqlite3 runs each write on the event loop's thread: yield between small
          // batches so a flush of many keys never stalls request handling for long.
          for (let i = 0; i < uses.length; i++) {
            const use = uses[i] as { id: string; at: Date };
            await db.apiKey.updateMany({ where: { id: use.id }, data: { lastUsedAt: use.at } });
            if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 0));
          }
        },
        async changedSince(since) {
          return db.apiKey.findMany({
            where: { updatedAt: { gte: since } },
            select: { id: true, updatedAt: true },
            orderBy: { updatedAt: "asc" },
            take: CHANGE_FEED_LIMIT,
          });
        },
      },
      audit: {
        async append(event) {
          await db.auditEvent.create({ data: { ...event, details: JSON.stringify(event.details) } });
        },
        async list(accountId, request) {
          const rows = await db.auditEvent.findMany({
            where: {
              accountId,
              ...(request.keyId ? { keyId: request.keyId } : {}),
              ...afterCursor(request.cursor),
            },
            orderBy: [{ createdAt: "desc" }, { id: "desc" }],
            take: request.limit + 1,
          });
          return pageOf(rows, request.limit, toEvent);
        },
      },
      webhooks: prismaWebhookStore(db),
      users: prismaUserStore(db),
      sessions: prismaSessionStore(db),
      async transaction(work) {
        if (!("$transaction" in db)) return work(store); // already inside one
        return (db as PrismaClient).$transaction((tx) => work(bind(tx)));
      },
      async ping() {
        await (client as PrismaClient).$queryRawUnsafe("SELECT 1");
      },
      async close() {
        await client.$disconnect();
      },
    };
    return store;
  }
  return bind(client);
}
