/**
 * Bench data: a pool of real Ed25519 key pairs, and SQLite databases migrated by Signet's own
 * migrator and then filled directly with better-sqlite3 (one prepared INSERT in a transaction).
 * Filler keys get random distinct x values and real thumbprints; they exist only so lookups
 * run against a table of that size, and are never used to verify anything.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { copyFileSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { crockfordEncode } from "../../src/core/ids.js";
import { PKCS8_ED25519_PREFIX } from "../../src/core/keys.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import type { KeyPool, PoolKey } from "./shared.js";

export const ACCOUNT_ID = "acc_0BENCH00000000000000000000";

const keyId = () => `key_${crockfordEncode(randomBytes(16), 26)}`;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CROCKFORD_BYTES = Buffer.from(CROCKFORD, "latin1");

/**
 * Filler ids in ascending order, the shape of newKeyId(): 5 characters of counter, then 21
 * random ones (Crockford's alphabet is in ASCII order, so the primary-key index only appends).
 */
function fillerIds(count: number): string[] {
  const random = randomBytes(count * 21);
  const text = Buffer.alloc(count * 26);
  for (let i = 0; i < count; i++) {
    const base = i * 26;
    for (let d = 0; d < 5; d++) text[base + d] = CROCKFORD_BYTES[(i >>> (5 * (4 - d))) & 31]!;
    for (let j = 0; j < 21; j++) text[base + 5 + j] = CROCKFORD_BYTES[random[i * 21 + j]! & 31]!;
  }
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = `key_${text.toString("latin1", i * 26, i * 26 + 26)}`;
  return ids;
}

/**
 * A pair from a random 32-byte seed. (Not generateKeyPairSync: on Node 20 with a module-hooks
 * thread, thousands of calls in a row can deadlock in KeyGenJob's destructor during GC.)
 */
function newPoolKey(): PoolKey {
  const pkcs8 = Buffer.concat([PKCS8_ED25519_PREFIX, randomBytes(32)]);
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return {
    id: keyId(),
    x: (createPublicKey(privateKey).export({ format: "jwk" }) as { x: string }).x,
    pkcs8: pkcs8.toString("base64"),
  };
}

/** `activeKeys` per-request pairs, 100 reusable ones and one management key, written to `path`. */
export function makePool(path: string, activeKeys: number): KeyPool {
  const pool: KeyPool = {
    perRequest: Array.from({ length: activeKeys }, newPoolKey),
    reusable: Array.from({ length: 100 }, newPoolKey),
    manage: newPoolKey(),
  };
  writeFileSync(path, JSON.stringify(pool));
  return pool;
}

/** RFC 7638 thumbprint, as KeyService stores it. */
const thumbprint = (x: string) =>
  createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");

let template: string | null = null;

/** Signet's migrations run once (they take seconds); every database starts as a copy. */
async function migrateOnce(path: string): Promise<void> {
  if (!template) {
    const migrated = `${path}.template`;
    const store = await openSqliteStore(`file:${migrated}`, "always");
    await store.close();
    template = migrated;
  }
  copyFileSync(template, path);
}

const KEY_COLUMNS = `id, account_id, name, public_key_x, fingerprint, scopes, allowed_ips, reusable,
  max_lifetime, disabled, created_by, rotated_from, created_at, updated_at, expires_at, revoked_at, last_used_at`;

/** Registers real pool keys (scope orders:read) in a migrated Signet database. */
export function insertKeyRows(
  db: Database.Database,
  keys: PoolKey[],
  now: string,
  options: { reusable?: boolean; scopes?: string[] } = {},
): void {
  const insert = db.prepare(
    `INSERT INTO api_keys (${KEY_COLUMNS})
     VALUES (?, '${ACCOUNT_ID}', 'bench', ?, ?, ?, '[]', ?, NULL, 0, 'operator:bench', NULL, ?, ?, NULL, NULL, NULL)`,
  );
  const scopes = JSON.stringify(options.scopes ?? ["orders:read"]);
  for (const key of keys)
    insert.run(key.id, key.x, thumbprint(key.x), scopes, options.reusable ? 1 : 0, now, now);
}

export interface SeedOptions {
  pool: KeyPool;
  /** How many of pool.perRequest to register. */
  active: number;
  /** Extra keys with random public keys, never used. */
  filler: number;
}

/** Creates a migrated SQLite database at `path` holding the account and keys; returns the key count. */
export async function seedDatabase(path: string, options: SeedOptions): Promise<number> {
  await migrateOnce(path);
  const db = new Database(path);
  // Bulk load: no journal, a big page cache, ids in order, secondary indexes rebuilt afterwards
  // from their own DDL (sorting once beats a million random B-tree inserts).
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  const indexes = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'api_keys' AND sql IS NOT NULL",
    )
    .all() as Array<{ name: string; sql: string }>;
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
  const now = new Date().toISOString().replace("Z", "+00:00");
  db.prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)").run(ACCOUNT_ID, "bench", now);
  const scopes = JSON.stringify(["orders:read"]);
  // Filler rows go in batches of one multi-row INSERT: the per-statement overhead dominates.
  const BATCH = 200;
  const fillerColumns = `(?, '${ACCOUNT_ID}', 'bench', ?, ?, '${scopes}', '[]', 0, NULL, 0, 'operator:bench', NULL, '${now}', '${now}', NULL, NULL, NULL)`;
  const insertBatch = db.prepare(
    `INSERT INTO api_keys (${KEY_COLUMNS}) VALUES ${Array.from({ length: BATCH }, () => fillerColumns).join(", ")}`,
  );
  db.transaction(() => {
    const ids = fillerIds(options.filler);
    // x and fingerprint of filler keys: distinct random values (never used to verify anything)
    const random = randomBytes(options.filler * 64);
    const values: string[] = [];
    for (let i = 0; i < options.filler; i++) {
      values.push(
        ids[i]!,
        random.toString("base64url", i * 64, i * 64 + 32),
        random.toString("base64url", i * 64 + 32, i * 64 + 64),
      );
      if (values.length === BATCH * 3) {
        insertBatch.run(values);
        values.length = 0;
      }
    }
    const rest = db.prepare(`INSERT INTO api_keys (${KEY_COLUMNS}) VALUES ${fillerColumns}`);
    for (let i = 0; i < values.length; i += 3) rest.run(values[i], values[i + 1], values[i + 2]);
    insertKeyRows(db, options.pool.perRequest.slice(0, options.active), now);
    insertKeyRows(db, options.pool.reusable, now, { reusable: true });
    insertKeyRows(db, [options.pool.manage], now, { scopes: ["keys:manage", "orders:read"] });
  })();
  const count = options.filler + options.active + options.pool.reusable.length + 1;
  for (const index of indexes) db.exec(index.sql);
  db.pragma("journal_mode = WAL");
  db.close();
  return count;
}
