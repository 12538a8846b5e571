import { describe, expect, it } from "vitest";
import { InvalidScopeError } from "../../src/core/errors.js";
import {
  assertScope,
  effectiveScopes,
  isCovered,
  missingScopes,
  normalizeScopes,
  SCOPE_PATTERN,
  scopeCovers,
} from "../../src/core/scopes.js";

describe("scope syntax", () => {
  it.each([
    "orders:read",
    "orders:*",
    "a:b",
    "billing.v2:read-all",
    "user_data:export.csv",
    `${"a".repeat(64)}:${"b".repeat(64)}`,
  ])("accepts %s", (scope) => {
    expect(SCOPE_PATTERN.test(scope)).toBe(true);
    expect(() => assertScope(scope)).not.toThrow();
  });

  it.each([
    ["upper case", "Orders:read"],
    ["no action", "orders"],
    ["an empty action", "orders:"],
    ["an empty resource", ":read"],
    ["a wildcard resource", "*:read"],
    ["a bare wildcard", "*"],
    ["three parts", "orders:read:all"],
    ["a partial wildcard", "orders:re*"],
    ["a leading digit", "1orders:read"],
    ["a space", "orders: read"],
    ["a 65-character resource", `${"a".repeat(65)}:read`],
    ["an empty string", ""],
  ])("rejects %s with InvalidScopeError", (_name, scope) => {
    expect(SCOPE_PATTERN.test(scope)).toBe(false);
    let caught: unknown;
    try {
      assertScope(scope);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidScopeError);
    expect((caught as InvalidScopeError).code).toBe("invalid_scope");
    expect((caught as Error).message).toContain("resource:action");
  });

  it("normalizeScopes de-duplicates and keeps order", () => {
    expect(normalizeScopes(["orders:write", "orders:read", "orders:write"])).toEqual([
      "orders:write",
      "orders:read",
    ]);
  });

  it("normalizeScopes refuses the whole list for one bad scope", () => {
    expect(() => normalizeScopes(["orders:read", "Orders:write"])).toThrow(InvalidScopeError);
  });
});

describe("scopeCovers", () => {
  it.each([
    ["orders:read", "orders:read", true],
    ["orders:*", "orders:read", true],
    ["orders:*", "orders:*", true],
    ["orders:read", "orders:write", false],
    ["orders:read", "orders:*", false],
    ["orders:*", "billing:read", false],
    ["order:*", "orders:read", false],
    ["orders:*", "order:read", false],
    ["orders.v2:*", "orders:read", false],
  ])("%s covers %s: %s", (held, required, expected) => {
    expect(scopeCovers(held, required)).toBe(expected);
  });

  it("isCovered is true when any held scope covers", () => {
    expect(isCovered(["billing:read", "orders:*"], "orders:delete")).toBe(true);
    expect(isCovered(["billing:read"], "orders:delete")).toBe(false);
    expect(isCovered([], "orders:read")).toBe(false);
  });
});

describe("effectiveScopes", () => {
  it.each<[string, string[], string[] | undefined, string[]]>([
    [
      "no scope claim: the key's scopes",
      ["orders:read", "orders:write"],
      undefined,
      ["orders:read", "orders:write"],
    ],
    ["a claim narrows", ["orders:read", "orders:write"], ["orders:read"], ["orders:read"]],
    [
      "a wider claim grants nothing extra",
      ["orders:read"],
      ["orders:read", "orders:write", "admin:all"],
      ["orders:read"],
    ],
    [
      "a wildcard claim yields the key's matching scopes",
      ["orders:read", "billing:read"],
      ["orders:*"],
      ["orders:read"],
    ],
    ["a specific claim under a wildcard key", ["orders:*"], ["orders:read"], ["orders:read"]],
    ["a wildcard claim under a wildcard key", ["orders:*"], ["orders:*"], ["orders:*"]],
    ["a disjoint claim grants nothing", ["orders:read"], ["billing:read"], []],
    ["an empty claim list grants nothing", ["orders:read"], [], []],
  ])("%s", (_name, keyScopes, tokenScopes, expected) => {
    expect(effectiveScopes(keyScopes, tokenScopes).sort()).toEqual([...expected].sort());
  });

  it("returns a copy, not the key's own array", () => {
    const keyScopes = ["orders:read"];
    const granted = effectiveScopes(keyScopes, undefined);
    granted.push("admin:all");
    expect(keyScopes).toEqual(["orders:read"]);
  });
});

describe("missingScopes", () => {
  it("lists the required scopes nothing granted covers, in order", () => {
    expect(
      missingScopes(
        ["orders:*", "billing:read"],
        ["users:read", "orders:write", "billing:write", "billing:read"],
      ),
    ).toEqual(["users:read", "billing:write"]);
  });

  it("is empty when nothing is required", () => {
    expect(missingScopes([], [])).toEqual([]);
  });
});
