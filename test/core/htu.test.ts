import { describe, expect, it } from "vitest";
import { expectedHtu, normalizeHtu } from "../../src/core/htu.js";

describe("normalizeHtu (RFC 3986 §6.2.2–6.2.3)", () => {
  it.each([
    ["adds the empty path", "https://api.example.com", "https://api.example.com/"],
    [
      "lower-cases scheme and host, keeps path case",
      "HTTPS://API.Example.COM/Orders",
      "https://api.example.com/Orders",
    ],
    ["drops the default https port", "https://api.example.com:443/x", "https://api.example.com/x"],
    ["drops the default http port", "http://api.example.com:80/x", "http://api.example.com/x"],
    ["keeps a non-default port", "https://api.example.com:8443/x", "https://api.example.com:8443/x"],
    ["keeps port 80 on https", "https://api.example.com:80/x", "https://api.example.com:80/x"],
    ["drops the query", "https://api.example.com/x?a=1&b=2", "https://api.example.com/x"],
    ["drops the fragment", "https://api.example.com/x#top", "https://api.example.com/x"],
    ["removes . segments", "https://api.example.com/a/./b/.", "https://api.example.com/a/b/"],
    ["removes .. segments", "https://api.example.com/a/b/../c", "https://api.example.com/a/c"],
    ["does not climb above the root", "https://api.example.com/../../c", "https://api.example.com/c"],
    [
      "removes percent-encoded dot segments",
      "https://api.example.com/a/%2e%2E/b",
      "https://api.example.com/b",
    ],
    [
      "decodes unreserved characters",
      "https://api.example.com/%7e%41%2D%5f%2E%30",
      "https://api.example.com/~A-_.0",
    ],
    ["keeps %2F encoded, upper-cased", "https://api.example.com/a%2fb", "https://api.example.com/a%2Fb"],
    [
      "upper-cases the hex of reserved characters",
      "https://api.example.com/a%3ab%20c",
      "https://api.example.com/a%3Ab%20c",
    ],
    ["encodes a raw space", "https://api.example.com/a b", "https://api.example.com/a%20b"],
    ["encodes non-ASCII as UTF-8", "https://api.example.com/€", "https://api.example.com/%E2%82%AC"],
    [
      "upper-cases non-ASCII escapes",
      "https://api.example.com/%e2%82%ac",
      "https://api.example.com/%E2%82%AC",
    ],
    [
      "keeps a trailing slash significant",
      "https://api.example.com/orders/",
      "https://api.example.com/orders/",
    ],
    ["keeps empty segments", "https://api.example.com//orders", "https://api.example.com//orders"],
    ["lower-cases an IPv6 host", "https://[2001:DB8::1]:8443/x", "https://[2001:db8::1]:8443/x"],
    ["turns an IDN host into punycode", "https://bücher.example/x", "https://xn--bcher-kva.example/x"],
  ])("%s", (_name, input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it("the same resource written differently normalises to one string", () => {
    const forms = [
      "https://api.example.com/v1/orders",
      "HTTPS://api.EXAMPLE.com:443/v1/orders",
      "https://api.example.com/v1/./orders?x=1",
      "https://api.example.com/v1/x/../orders#f",
      "https://api.example.com/%76%31/%6frders",
    ];
    expect(new Set(forms.map(normalizeHtu))).toEqual(new Set(["https://api.example.com/v1/orders"]));
  });

  it.each([
    ["%2F and /", "https://api.example.com/a%2Fb", "https://api.example.com/a/b"],
    ["different paths", "https://api.example.com/orders", "https://api.example.com/orders/"],
    ["http and https", "http://api.example.com/x", "https://api.example.com/x"],
    ["different hosts", "https://api.example.com/x", "https://api.example.org/x"],
    ["path case", "https://api.example.com/Orders", "https://api.example.com/orders"],
  ])("keeps %s apart", (_name, a, b) => {
    expect(normalizeHtu(a)).not.toBe(normalizeHtu(b));
  });

  it.each([
    ["userinfo", "https://user@api.example.com/x"],
    ["userinfo with a password", "https://user:pass@api.example.com/x"],
    ["an ftp URL", "ftp://api.example.com/x"],
    ["a ws URL", "wss://api.example.com/x"],
    ["a relative path", "/v1/orders"],
    ["not a URL", "not a url"],
    ["an empty string", ""],
  ])("returns null for %s", (_name, input) => {
    expect(normalizeHtu(input)).toBeNull();
  });
});

describe("expectedHtu", () => {
  it.each([
    ["joins origin and path", "https://api.example.com", "/v1/orders", "https://api.example.com/v1/orders"],
    [
      "adds a missing leading slash",
      "https://api.example.com",
      "v1/orders",
      "https://api.example.com/v1/orders",
    ],
    [
      "drops the request's query",
      "https://api.example.com",
      "/v1/orders?page=2",
      "https://api.example.com/v1/orders",
    ],
    [
      "normalises the request path",
      "https://api.example.com",
      "/v1/./x/../orders",
      "https://api.example.com/v1/orders",
    ],
    ["keeps a port in the origin", "http://localhost:8787", "/v1/whoami", "http://localhost:8787/v1/whoami"],
    [
      "keeps a path prefix in the origin",
      "https://example.com/api",
      "/v1/orders",
      "https://example.com/api/v1/orders",
    ],
  ])("%s", (_name, origin, path, expected) => {
    expect(expectedHtu(origin, path)).toBe(expected);
  });

  it("returns null for an unusable origin", () => {
    expect(expectedHtu("ftp://api.example.com", "/x")).toBeNull();
  });
});
