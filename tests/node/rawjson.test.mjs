// Tests of the raw-preserving JSON parser the JS conformance runners rely on.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RawJSONError, canon, member, parseRaw } from "./rawjson.mjs";

describe("parseRaw keeps source text", () => {
  const cases = [
    { name: "object with spacing", text: '{ "a" : 1.0 ,"b":[ 1, 2 ] }', raw: { a: "1.0", b: "[ 1, 2 ]" } },
    { name: "duplicate members are all kept", text: '{"a":1,"a":2}', members: [["a", "1"], ["a", "2"]] },
    { name: "numbers as written", text: '{"x":1e9,"y":-0.50,"z":12345678901234567890}', raw: { x: "1e9", y: "-0.50", z: "12345678901234567890" } },
    { name: "escapes", text: '{"s":"a\\"b\\u00e9\\\\"}', raw: { s: '"a\\"b\\u00e9\\\\"' } },
    { name: "nested", text: '{"o":{"p":{"q":[{}]}}}', raw: { o: '{"p":{"q":[{}]}}' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const n = parseRaw(c.text);
      assert.equal(n.raw, c.text);
      if (c.raw) for (const [k, v] of Object.entries(c.raw)) assert.equal(member(n, k).raw, v);
      if (c.members) assert.deepEqual(n.members.map(([k, v]) => [k, v.raw]), c.members);
    });
  }
  test("member returns the last duplicate, as Go does", () => {
    assert.equal(member(parseRaw('{"a":1,"a":2}'), "a").raw, "2");
  });
});

describe("parseRaw rejects malformed text", () => {
  const bad = ["", "{", '{"a"}', '{"a":1,}', "[1,]", '"abc', "01", "1.", "tru", '{"a":1} x', "{'a':1}", "[1 2]", "nul"];
  for (const text of bad) {
    test(JSON.stringify(text), () => assert.throws(() => parseRaw(text), (e) => e instanceof RawJSONError || e instanceof SyntaxError));
  }
});

describe("canon", () => {
  const eq = [
    ['{"a":1,"b":2}', '{"b":2,"a":1}'],
    ['"\\u0041"', '"A"'],
    ['{"a":1,"a":2}', '{"a":2}'],
    ["[ 1 , 2 ]", "[1,2]"],
  ];
  const ne = [
    ["1", "1.0"],
    ["200", '"200"'],
    ["[1,2]", "[2,1]"],
    ["null", "false"],
    ['{"a":1}', '{"a":1,"b":null}'],
  ];
  for (const [a, b] of eq) test(`${a} == ${b}`, () => assert.equal(canon(parseRaw(a)), canon(parseRaw(b))));
  for (const [a, b] of ne) test(`${a} != ${b}`, () => assert.notEqual(canon(parseRaw(a)), canon(parseRaw(b))));
});

// A property test over generated documents (deterministic seed, bounded):
// the root's raw text is the input, every member's raw text re-parses to the
// same value JSON.parse gives, and canon agrees with JSON.parse's meaning.
test("property: raw slices round-trip through JSON.parse", () => {
  let seed = 42;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const ws = () => [" ", "", "\n", "\t "][rnd(4)];
  let intsOnly = false;
  const gen = (depth) => {
    const k = depth > 3 ? rnd(4) : rnd(6);
    switch (k) {
      case 0:
        return String(rnd(2) || intsOnly ? rnd(100000) : -rnd(1000) / 8);
      case 1:
        return JSON.stringify(["", "a", "é", "\u0000", '"\\', "😀", "x".repeat(rnd(20))][rnd(7)]);
      case 2:
        return ["true", "false", "null"][rnd(3)];
      case 3:
        return intsOnly ? "-" + String(1 + rnd(1000)) : String(rnd(1000)) + "e" + rnd(5);
      case 4:
        return "[" + Array.from({ length: rnd(4) }, () => ws() + gen(depth + 1) + ws()).join(",") + "]";
      default:
        return "{" + Array.from({ length: rnd(4) }, (_, i) => ws() + JSON.stringify("k" + i) + ws() + ":" + ws() + gen(depth + 1)).join(",") + "}";
    }
  };
  for (let i = 0; i < 2000; i++) {
    intsOnly = i % 2 === 0;
    const text = ws() + gen(0) + ws();
    const n = parseRaw(text);
    assert.equal(JSON.stringify(JSON.parse(n.raw)), JSON.stringify(JSON.parse(text)), text);
    if (n.kind === "object") for (const [k, v] of n.members) assert.deepEqual(JSON.parse(v.raw), JSON.parse(text)[k], text);
    // With integers only, re-serialising keeps every number's literal, so
    // the meaning (canon) must survive it.
    if (intsOnly) assert.equal(canon(parseRaw(JSON.stringify(JSON.parse(text)))), canon(n), text);
  }
});
