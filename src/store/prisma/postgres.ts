import { PrismaPg } from "@prisma/adapter-pg";
import type { Store } from "../ports.js";
import type { PrismaClient as SqliteShapedClient } from "./generated/client.js";
import { PrismaClient } from "./generated-pg/client.js";
import { migrateDatabase } from "./migrate.js";
import { createPrismaStore } from "./prisma-store.js";
import { withSql } from "./sql-replay-store.js";

/** Opens PostgreSQL (`postgres://…`) as a Store, applying migrations first unless told not to. */
export async function openPostgresStore(
  databaseUrl: string,
  options: { migrate?: boolean; poolSize?: number } = {},
): Promise<Store> {
  if (options.migrate) await migrateDatabase(databaseUrl);
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  const client = new PrismaClient({ adapter });
  // Both clients come from the same models (prisma/postgres is derived from prisma/schema.prisma),
  // so their model APIs are the same; the store is written once against one of them.
  return withSql(createPrismaStore(client as unknown as SqliteShapedClient, "postgres"), {
    client,
    dialect: "postgres",
  });
}
