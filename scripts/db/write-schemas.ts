/** `npm run db:schemas`: regenerate prisma/postgres/schema.prisma from prisma/schema.prisma. */
import { writeFileSync } from "node:fs";
import { derivePostgresSchema, POSTGRES_SCHEMA, readSqliteSchema } from "./schemas.js";

writeFileSync(POSTGRES_SCHEMA, derivePostgresSchema(readSqliteSchema()));
console.log(`wrote ${POSTGRES_SCHEMA}`);
