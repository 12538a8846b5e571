/**
 * `signet --d1 remote`: the operator commands on a deployed D1 through Cloudflare's D1 HTTP API
 * (`POST /client/v4/accounts/{account}/d1/database/{id}/raw`). These machines cannot reach
 * Cloudflare, so the API is played by a stand-in that runs each statement on a SQLite database
 * migrated with the D1 migrations, answering in D1's response shape. What this proves: the
 * binding, database id, token and vars come from the right places, only that endpoint is
 * called, and the key service works through Prisma's D1 HTTP adapter.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openD1Services } from "../../src/entry/d1-services.js";
import { cliActor } from "../../src/server/services/actor.js";
import { ROOT } from "./support.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const DATABASE = "6f1d2c3b-aaaa-4bbb-8ccc-123456789abc";
const TOKEN = "test-token-not-real";
const RAW_URL = `https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/d1/database/${DATABASE}/raw`;

function fakeD1Api() {
  const db = new Database(":memory:");
  const dir = join(ROOT, "prisma", "d1", "migrations");
  for (const name of readdirSync(dir).sort()) db.exec(readFileSync(join(dir, name), "utf8"));
  const calls: Array<{ url: string; authorization: string | null; sql: string }> = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = (await request.json()) as { sql: string; params?: unknown[] };
    calls.push({ url: request.url, authorization: request.headers.get("authorization"), sql: body.sql });
    if (request.url !== RAW_URL || request.headers.get("authorization") !== `Bearer ${TOKEN}`) {
      return Response.json(
        { success: false, errors: [{ code: 7003, message: "No route" }] },
        { status: 404 },
      );
    }
    try {
      const statement = db.prepare(body.sql);
      const params = body.params ?? [];
      if (statement.reader) {
        const rows = statement.raw().all(...params) as unknown[][];
        const columns = statement.columns().map((c) => c.name);
        return Response.json({
          success: true,
          errors: [],
          messages: [],
          result: [{ results: { columns, rows }, success: true, meta: { changes: 0 } }],
        });
      }
      const info = statement.run(...params);
      return Response.json({
        success: true,
        errors: [],
        messages: [],
        result: [{ results: { columns: [], rows: [] }, success: true, meta: { changes: info.changes } }],
      });
    } catch (error) {
      return Response.json(
        { success: false, errors: [{ code: 7500, message: (error as Error).message }], result: [] },
        { status: 400 },
      );
    }
  });
  return { db, calls, fetch };
}

describe("signet --d1 remote (D1 HTTP API)", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const location = (env: Record<string, string | undefined>) => ({
    target: "remote" as const,
    configPath: join(ROOT, "wrangler.toml"),
    environment: "production",
    env,
  });

  it("creates an account and a key in the deployed database, with the production audience", async () => {
    const api = fakeD1Api();
    vi.stubGlobal("fetch", api.fetch);
    const services = await openD1Services(
      location({
        CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
        CLOUDFLARE_D1_TOKEN: TOKEN,
        CLOUDFLARE_DATABASE_ID: DATABASE,
      }),
      {},
    );
    try {
      expect(services.description).toMatch(/remote, HTTP API/);
      const account = await services.keys.createAccount("acme", cliActor);
      const created = await services.keys.createKey(
        account.id,
        { name: "admin", scopes: ["keys:manage"] },
        cliActor,
      );
      // wrangler.toml [env.production.vars] SIGNET_PUBLIC_URL
      expect(created.credentials?.audience).toBe("https://signet.example.workers.dev");
      expect(await services.store.keys.get(created.key.id)).toMatchObject({ accountId: account.id });
    } finally {
      await services.store.close();
    }
    expect(api.db.prepare("SELECT name FROM accounts").all()).toEqual([{ name: "acme" }]);
    expect(api.db.prepare("SELECT name, scopes FROM api_keys").all()).toEqual([
      { name: "admin", scopes: '["keys:manage"]' },
    ]);
    expect(api.db.prepare("SELECT action FROM audit_events ORDER BY action").all()).toEqual([
      { action: "account.created" },
      { action: "key.created" },
    ]);
    expect(api.calls.length).toBeGreaterThan(0);
    expect(new Set(api.calls.map((c) => c.url))).toEqual(new Set([RAW_URL]));
    expect(new Set(api.calls.map((c) => c.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
  });

  it("needs the account id and a token, and names them", async () => {
    await expect(openD1Services(location({ CLOUDFLARE_DATABASE_ID: DATABASE }), {})).rejects.toThrow(
      /CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_D1_TOKEN/,
    );
  });

  it("refuses the placeholder database id in wrangler.toml", async () => {
    await expect(
      openD1Services(location({ CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_D1_TOKEN: TOKEN }), {}),
    ).rejects.toThrow(/set database_id for DB/);
  });
});
