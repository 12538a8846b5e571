import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/** A segment a request path can fill with anything: a parameter or a wildcard. */
const isDynamic = (segment: string) => segment.startsWith(":") || segment.includes("*");
const segmentsOf = (path: string) => (path === "*" ? ["*"] : path.split("/").slice(1));
const startsWithSegments = (segments: readonly string[], prefix: readonly string[]) =>
  prefix.length <= segments.length && prefix.every((segment, i) => segments[i] === segment);

interface Area<T> {
  prefix: string;
  segments: string[];
  router: Router<T>;
}

/**
 * Hono's router, split by path prefix. Hono's default (SmartRouter) gives up its RegExpRouter
 * for a TrieRouter on every route as soon as one path is beyond it (the console's
 * `/keys/new` beside `/keys/:id`, ext-authz's `:path{.*}`), which costs every API request
 * ~4 µs. Here the routes under each of `prefixes` get a TrieRouter of their own and the rest
 * keep the RegExpRouter. A request under a prefix asks that prefix's router, anything else the
 * main one; a route that could match under a prefix without starting with it (`/*`, `/v1/*`
 * for `/v1/ext-authz`) is added to both, in order, so each router holds every route a request
 * sent to it could match, in registration order.
 */
export class PrefixRouter<T> implements Router<T> {
  name = "PrefixRouter";
  readonly main: SmartRouter<T>;
  readonly #areas: Area<T>[];

  constructor(prefixes: readonly string[]) {
    for (const prefix of prefixes) {
      const segments = segmentsOf(prefix);
      if (!prefix.startsWith("/") || prefix.endsWith("/") || segments.some((s) => s === "" || isDynamic(s)))
        throw new TypeError(`PrefixRouter: ${JSON.stringify(prefix)} is not a static path like /console`);
    }
    this.main = new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] });
    // longest first, so a request goes to the most specific prefix
    this.#areas = [...prefixes]
      .sort((a, b) => b.length - a.length)
      .map((prefix) => ({ prefix, segments: segmentsOf(prefix), router: new TrieRouter<T>() }));
  }

  add(method: string, path: string, handler: T): void {
    const segments = segmentsOf(path);
    const home = this.#areas.find((area) => startsWithSegments(segments, area.segments));
    if (home) {
      home.router.add(method, path, handler);
      return;
    }
    this.main.add(method, path, handler);
    const dynamicAt = segments.findIndex(isDynamic);
    if (dynamicAt === -1) return;
    const head = segments.slice(0, dynamicAt);
    for (const area of this.#areas)
      if (startsWithSegments(area.segments, head)) area.router.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    for (const area of this.#areas) {
      if (path === area.prefix || path.startsWith(`${area.prefix}/`)) return area.router.match(method, path);
    }
    return this.main.match(method, path);
  }
}
