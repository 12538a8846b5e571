/** `signet users create | link | list`, run in-process on a migrated SQLite copy. */
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { sha256 } from "../../src/console/tokens.js";
import { openSqliteStore } from "../../src/store/prisma/sqlite.js";
import { freshSqlite } from "../support/sqlite.js";

describe("signet users", () => {
  let db: ReturnType<typeof freshSqlite>;
  let out: string[];
  let err: string[];
  const saved = { ...process.env };

  async function signet(...args: string[]): Promise<number> {
    out = [];
    err = [];
    process.exitCode = 0;
    await main(["node", "signet", ...args]);
    const code = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return code;
  }

  beforeEach(() => {
    db = freshSqlite();
    process.env.DATABASE_URL = db.url;
    process.env.SIGNET_PUBLIC_URL = "https://api.example.com";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    rmSync(db.dir, { recursive: true, force: true });
  });

  it("creates the first owner and prints a one-time link valid for 15 minutes", async () => {
    expect(await signet("accounts", "create", "acme")).toBe(0);
    expect(await signet("users", "create", "--account", "acme", "--email", "Ops@Acme.Example")).toBe(0);
    const link = out.join("").trim();
    expect(link).toMatch(/^https:\/\/api\.example\.com\/console\/link\?token=[A-Za-z0-9_-]{43}$/);
    expect(err.join("")).toMatch(/created owner ops@acme\.example \(usr_[0-9A-Z]{26}\) in acme/);
    expect(err.join("")).toContain("works once");

    const store = await openSqliteStore(db.url);
    try {
      const user = await store.users?.getByEmail("ops@acme.example");
      expect(user).toMatchObject({ role: "owner", passwordHash: null, createdBy: "cli" });
      const token = new URL(link).searchParams.get("token") ?? "";
      const stored = await store.sessions?.getLink(await sha256(token));
      expect(stored?.userId).toBe(user?.id);
      expect((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)).toBe(15 * 60 * 1000);
      expect(await store.sessions?.getLink(token)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("refuses a taken email, an unknown account and a bad address with one line and exit 1", async () => {
    await signet("accounts", "create", "acme");
    await signet("users", "create", "--account", "acme", "--email", "ops@acme.example");
    expect(await signet("users", "create", "--account", "acme", "--email", "OPS@acme.example")).toBe(1);
    expect(err.join("")).toBe("signet: conflict: a user with the email ops@acme.example already exists\n");
    expect(await signet("users", "create", "--account", "nope", "--email", "x@acme.example")).toBe(1);
    expect(err.join("")).toContain("no account");
    expect(await signet("users", "create", "--account", "acme", "--email", "not-an-email")).toBe(1);
    expect(err.join("")).toContain("email");
    expect(out.join("")).toBe("");
  });

  it("issues a fresh link for an existing user and lists an account's people", async () => {
    await signet("accounts", "create", "acme");
    await signet("users", "create", "--account", "acme", "--email", "ops@acme.example", "--role", "member");
    const first = out.join("").trim();
    expect(
      await signet("users", "link", "ops@acme.example", "--public-url", "https://console.example.com"),
    ).toBe(0);
    const second = out.join("").trim();
    expect(second).toMatch(/^https:\/\/console\.example\.com\/console\/link\?token=/);
    expect(second).not.toBe(first);
    expect(await signet("users", "list", "--account", "acme")).toBe(0);
    expect(out.join("")).toMatch(/ops@acme\.example\s+member/);
  });
});
