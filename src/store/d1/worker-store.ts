import type { D1Database } from "@cloudflare/workers-types";
import { PrismaD1 } from "@prisma/adapter-d1";
import type { Store } from "../ports.js";
import type { PrismaClient as SqliteShapedClient } from "../prisma/generated/client.js";
import { PrismaClient } from "../prisma/generated-worker/client.js";
import { createPrismaStore } from "../prisma/prisma-store.js";
import { d1Transactions } from "./transactions.js";

/**
 * The Store on Cloudflare Workers: D1 through Prisma's D1 adapter, with the client generated
 * for workerd (`generator worker` in prisma/schema.prisma). Same models, same store code as
 * SQLite and PostgreSQL.
 */
export function createD1Store(db: D1Database): Store {
  const client = new PrismaClient({ adapter: new PrismaD1(db) });
  // The workerd client is generated from the same schema as the Node one, so its model API is
  // the same; the store is written once against the Node client's types.
  return d1Transactions(createPrismaStore(client as unknown as SqliteShapedClient, "d1"));
}
