/**
 * The real PostgreSQL and Redis the slow suites talk to (127.0.0.1 only). A suite that needs a
 * missing service fails when CI=true and is skipped with one clear line everywhere else.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { describe, it } from "vitest";
import { migrateDatabase } from "../../src/store/prisma/migrate.js";

export const POSTGRES_URL =
  process.env.SIGNET_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.SIGNET_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const inCi = process.env.CI === "true";

/**
 * Resolves true when the service answers. Otherwise: under CI=true it throws (the file fails);
 * elsewhere it prints one line saying what is skipped and why, and resolves false.
 */
async function need(what: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const reason = `${what} is not available: ${(error as Error).message.replace(/\.+$/, "")}`;
    if (inCi) throw new Error(`${reason} (CI=true requires it; .ci/run starts the local services)`);
    console.warn(`SKIP ${reason}. Start it (or run under CI=true to make this a failure).`);
    return false;
  }
}

export function needPostgres(): Promise<boolean> {
  return need(`PostgreSQL at ${POSTGRES_URL}`, async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
    } finally {
      await client.end().catch(() => {});
    }
  });
}

export function needRedis(): Promise<boolean> {
  return need(`Redis at ${REDIS_URL}`, async () => {
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

/** For suites that start (and kill) a Redis of their own. */
export function needRedisServer(): Promise<boolean> {
  return need("redis-server (the program)", async () => {
    const result = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`redis-server --version exited ${result.status}`);
  });
}

/** A placeholder so a file whose services are missing reports one skipped test, not "no tests". */
export function skippedSuite(name: string, why: string): void {
  describe.skip(name, () => {
    it(why, () => {});
  });
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Empties every table except Prisma's migration record. */
  truncate(): Promise<void>;
  /** Drops the database (closing anything still connected). */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** CREATEs a database with a unique name on the local PostgreSQL and migrates it. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `signet_${label.replace(/[^a-z0-9_]/g, "_")}_${randomBytes(5).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = withDatabase(POSTGRES_URL, name);
  try {
    await migrateDatabase(url);
  } catch (error) {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  return {
    name,
    url,
    async truncate() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
        );
        if (rows.length > 0) {
          await client.query(`TRUNCATE ${rows.map((row) => `"${row.tablename}"`).join(", ")} CASCADE`);
        }
      } finally {
        await client.end();
      }
    },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  /** Kills it abruptly (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  const probe = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A private, throwaway redis-server on a free port: tests may kill it without disturbing anyone. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "signet-redis-"));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const spawned = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { cwd: dir, stdio: "ignore" },
    );
    child = spawned;
    // never leave a redis-server behind if the test process ends early
    const reap = () => spawned.kill("SIGKILL");
    process.once("exit", reap);
    let exited = false;
    spawned.once("exit", () => {
      exited = true;
      process.off("exit", reap);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exited) throw new Error(`redis-server on port ${port} exited at startup`);
      if (await answers(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function kill(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
