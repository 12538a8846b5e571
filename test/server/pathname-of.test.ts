import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pathnameOf } from "../../src/server/middleware/signet.js";

describe("pathnameOf (the signet middleware's fast new URL(url).pathname)", () => {
  it.each([
    "http://127.0.0.1:8787/v1/whoami",
    "https://api.example.com/v1/orders?x=1#frag",
    "http://h/",
    "http://h/a/../b",
    "http://h/a/./b/.",
    "http://h/%2F/%7e",
    "http://h/a b",
    "http://h\\\\evil/x",
    "http://user@h/x",
    "http://h?q=/x",
    "http://h/v1/keys.json",
    "http://H:80/A/B/",
    "http://h//double//slash",
  ])("%s", (url) => {
    expect(pathnameOf(url)).toBe(new URL(url).pathname);
  });

  it("agrees with new URL(url).pathname on generated URLs", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%\-!$&'()*+,;=:@ \\]{0,8}$/);
    const url = fc
      .tuple(
        fc.constantFrom(
          "http://127.0.0.1:8787",
          "https://api.example.com",
          "http://H",
          "http://u@h",
          "http://h?",
        ),
        fc.array(segment, { maxLength: 5 }),
        fc.constantFrom("", "?a=/b", "#/x", "?"),
      )
      .map(([origin, segments, tail]) => `${origin}/${segments.join("/")}${tail}`);
    fc.assert(
      fc.property(url, (value) => {
        let expected: string;
        try {
          expected = new URL(value).pathname;
        } catch {
          return; // not a URL at all; a Request could not carry it
        }
        expect(pathnameOf(value)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
