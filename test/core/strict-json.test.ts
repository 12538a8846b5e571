import { describe, expect, it } from "vitest";
import { parseStrictJsonObject } from "../../src/core/strict-json.js";

const utf8 = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseStrictJsonObject(utf8(text));

/** `depth` nested containers, the outermost an object (depth 1 is `{}`), the rest objects or arrays. */
function nested(depth: number, inner: "object" | "array" = "object"): string {
  if (inner === "object") return `${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;
  return depth === 1 ? "{}" : `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
}

describe("parseStrictJsonObject accepts", () => {
  it.each([
    ["an empty object", "{}", {}],
    [
      "a JWS header",
      '{"alg":"EdDSA","typ":"signet+jwt","kid":"key_X"}',
      { alg: "EdDSA", typ: "signet+jwt", kid: "key_X" },
    ],
    ["whitespace around the object", ' \n\t{"a":1}\r\n ', { a: 1 }],
    ["the same name in sibling objects", '{"a":{"x":1},"b":{"x":2}}', { a: { x: 1 }, b: { x: 2 } }],
    ["the same name in objects inside an array", '{"a":[{"x":1},{"x":2}]}', { a: [{ x: 1 }, { x: 2 }] }],
    ["the same name at two depths", '{"x":{"x":{"x":1}}}', { x: { x: { x: 1 } } }],
    ["a value equal to a member name", '{"a":"b","b":"a"}', { a: "b", b: "a" }],
    ["strings holding JSON punctuation", '{"a":"},{\\"a\\":1,[","b":"\\\\"}', { a: '},{"a":1,[', b: "\\" }],
    ["escaped quotes in names", '{"a\\"b":1,"a\\"c":2}', { 'a"b': 1, 'a"c': 2 }],
    ["names differing only by case", '{"a":1,"A":2}', { a: 1, A: 2 }],
    ["multi-byte UTF-8", '{"名前":"✓ 🙂"}', { 名前: "✓ 🙂" }],
    ["arrays of scalars", '{"a":[1,"2",null,true,[3]]}', { a: [1, "2", null, true, [3]] }],
  ])("%s", (_name, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it("nesting of exactly 16 containers", () => {
    expect(parse(nested(16))).not.toBeNull();
    expect(parse(nested(16, "array"))).not.toBeNull();
  });
});

describe("parseStrictJsonObject refuses", () => {
  it.each([
    ["a duplicate at the top level", '{"a":1,"a":1}'],
    ["a duplicate at depth 2", '{"a":{"b":1,"b":2}}'],
    ["a duplicate at depth 5", '{"a":{"b":{"c":{"d":{"e":1,"f":2,"e":3}}}}}'],
    ["a duplicate inside an object inside an array", '{"a":[1,{"x":1,"x":2}]}'],
    ["a duplicate after a nested object closes", '{"a":{"b":1},"c":2,"a":3}'],
    ["a duplicate written with an escape (a vs \\u0061)", '{"a":1,"\\u0061":2}'],
    ["a duplicate written with a surrogate-pair escape", '{"🙂":1,"\\ud83d\\ude42":2}'],
    ["a duplicate __proto__", '{"__proto__":1,"__proto__":2}'],
  ])("%s", (_name, text) => {
    expect(JSON.parse(text)).toBeTypeOf("object"); // plain JSON.parse would take it
    expect(parse(text)).toBeNull();
  });

  it.each([
    ["a top-level array", "[]"],
    ["a top-level array of objects", '[{"alg":"EdDSA"}]'],
    ["a top-level string", '"{}"'],
    ["a top-level number", "1"],
    ["null", "null"],
    ["empty input", ""],
    ["trailing garbage", '{"a":1}x'],
    ["a trailing comma", '{"a":1,}'],
    ["single quotes", "{'a':1}"],
    ["two objects", "{}{}"],
  ])("%s", (_name, text) => {
    expect(parse(text)).toBeNull();
  });

  it("nesting of 17 containers", () => {
    expect(parse(nested(17))).toBeNull();
    expect(parse(nested(17, "array"))).toBeNull();
  });

  it("very deep nesting without a stack overflow", () => {
    expect(parse(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`)).toBeNull();
  });

  it.each([
    ["a UTF-8 BOM", [0xef, 0xbb, 0xbf, ...utf8("{}")]],
    ["an invalid continuation byte", [...utf8('{"a":"'), 0xc3, 0x28, ...utf8('"}')]],
    ["an overlong encoding of /", [...utf8('{"a":"'), 0xc0, 0xaf, ...utf8('"}')]],
    ["an encoded lone surrogate", [...utf8('{"a":"'), 0xed, 0xa0, 0x80, ...utf8('"}')]],
    ["a truncated sequence", [...utf8('{"a":"'), 0xe2, 0x82, ...utf8('"}')]],
    ["a stray 0xff byte", [...utf8('{"a":1}'), 0xff]],
    ["Latin-1 in a member name", [...utf8('{"'), 0xe9, ...utf8('":1}')]],
    ["UTF-16LE text", [0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]],
  ])("%s", (_name, bytes) => {
    expect(parseStrictJsonObject(Uint8Array.from(bytes))).toBeNull();
  });
});
