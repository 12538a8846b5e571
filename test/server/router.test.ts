/**
 * The app's PrefixRouter must route exactly as one TrieRouter holding every route would:
 * same handlers, same order, same params, for every route of the real app (console and
 * ext-authz included) and for the edges around the prefixes. And the API keeps Hono's
 * RegExpRouter.
 */
import type { Result } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrefixRouter } from "../../src/server/router.js";
import { type RunningSignet, startSignet } from "../support/signet-server.js";

let running: RunningSignet;
beforeAll(async () => {
  running = await startSignet();
});
afterAll(() => running?.close());

type Entry = [unknown, unknown];

/** [route object, params] per match, whichever of Hono's two result shapes the router returned. */
function normalize(result: Result<Entry>): Array<[unknown, Record<string, string>]> {
  const [matches, stash] = result as [[Entry, Record<string, number | string>][], string[] | undefined];
  return matches.map(([entry, params]) => [
    entry[1],
    Object.fromEntries(
      Object.entries(params).map(([name, value]) => [
        name,
        stash ? (stash[value as number] as string) : (value as string),
      ]),
    ),
  ]);
}

/** A concrete path for a route pattern: parameters filled, wildcards given two segments. */
const concrete = (path: string) =>
  path.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, "key_0123456789ABCDEFGHJKMNPQRS").replace(/\*/g, "a/b");

describe("PrefixRouter on the real app", () => {
  it("matches what a single TrieRouter matches, for every route and the prefix edges", () => {
    const app = running.signet.app;
    const reference = new TrieRouter<Entry>();
    for (const route of app.routes) reference.add(route.method, route.path, [route.handler, route]);
    const paths = new Set<string>([
      "/",
      "/nowhere",
      "/v1",
      "/v1/",
      "/v1/keys/new",
      "/console",
      "/console/",
      "/consoles",
      "/console/keys/new",
      "/console/keys/key_0123456789ABCDEFGHJKMNPQRS/revoke",
      "/console/team/invite",
      "/v1/ext-authz",
      "/v1/ext-authz/",
      "/v1/ext-authz/orders/42",
      "/v1/ext-authzx",
    ]);
    for (const route of app.routes) paths.add(concrete(route.path));
    let compared = 0;
    for (const method of ["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"]) {
      for (const path of paths) {
        const ours = normalize(app.router.match(method, path) as Result<Entry>);
        expect(ours, `${method} ${path}`).toEqual(normalize(reference.match(method, path)));
        compared += ours.length;
      }
    }
    expect(compared).toBeGreaterThan(paths.size); // the comparison saw real matches, not only misses
  });

  it("keeps Hono's RegExpRouter for everything outside the console and ext-authz", () => {
    const router = running.signet.app.router as PrefixRouter<unknown>;
    expect(router).toBeInstanceOf(PrefixRouter);
    router.match("GET", "/v1/whoami");
    expect(router.main.activeRouter.name).toBe("RegExpRouter");
  });
});

describe("PrefixRouter", () => {
  it("checks its prefixes at construction", () => {
    for (const bad of ["console", "/console/", "/:id", "/files/*", "/a//b"])
      expect(() => new PrefixRouter([bad]), bad).toThrow(/static path/);
  });
});
