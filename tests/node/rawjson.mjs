// A JSON parser that keeps each value's exact source text, like Go's
// json.RawMessage. The conformance runners need it: a vector's config and
// request must reach the module byte for byte as the Go harness sends them
// (JSON.parse + JSON.stringify would drop duplicate members and rewrite
// numbers such as 30.0, which some vectors are about), and a Decision must be
// judged on its raw members, duplicates included.

/** A malformed document. */
export class RawJSONError extends Error {
  constructor(message, at) {
    super(`${message} at offset ${at}`);
    this.name = "RawJSONError";
  }
}

/**
 * Parses text into a tree of nodes:
 *   {kind: "object", raw, members: [[name, node], ...]}  (duplicates kept, in order)
 *   {kind: "array", raw, items: [node, ...]}
 *   {kind: "string", raw, value}
 *   {kind: "number", raw}        (the literal, as Go's json.Number keeps it)
 *   {kind: "bool", raw, value} / {kind: "null", raw}
 * Leading and trailing whitespace is allowed, anything else after the value
 * is an error.
 * @param {string} text
 */
export function parseRaw(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (msg) => {
    throw new RawJSONError(msg, i);
  };

  function value() {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++;
      const members = [];
      ws();
      if (text[i] === "}") {
        i++;
        return { kind: "object", raw: text.slice(start, i), members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a member name");
        const name = value().value;
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        members.push([name, value()]);
        ws();
        const d = text[i++];
        if (d === "}") break;
        if (d !== ",") fail("expected ',' or '}'");
      }
      return { kind: "object", raw: text.slice(start, i), members };
    }
    if (c === "[") {
      i++;
      const items = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { kind: "array", raw: text.slice(start, i), items };
      }
      for (;;) {
        items.push(value());
        ws();
        const d = text[i++];
        if (d === "]") break;
        if (d !== ",") fail("expected ',' or ']'");
      }
      return { kind: "array", raw: text.slice(start, i), items };
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        i++;
      }
      if (text[i] !== '"') fail("unterminated string");
      i++;
      const raw = text.slice(start, i);
      return { kind: "string", raw, value: JSON.parse(raw) };
    }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail("unexpected character");
    i += m[0].length;
    const raw = m[0];
    if (raw === "true" || raw === "false") return { kind: "bool", raw, value: raw === "true" };
    if (raw === "null") return { kind: "null", raw };
    return { kind: "number", raw };
  }

  const root = value();
  ws();
  if (i !== text.length) fail("trailing data");
  return root;
}

/**
 * The last member named name of an object node (Go's encoding/json keeps the
 * last of duplicates), or undefined.
 */
export function member(node, name) {
  let found;
  for (const [n, v] of node.members) if (n === name) found = v;
  return found;
}

/**
 * A canonical string of a node's meaning as Go decodes it with UseNumber:
 * numbers by their literal, strings by value, objects with sorted names and
 * the last of duplicates. Two nodes are equal as jsonEqual sees them exactly
 * when their canon strings are equal.
 */
export function canon(node) {
  switch (node.kind) {
    case "object": {
      const last = new Map();
      for (const [n, v] of node.members) last.set(n, v);
      const names = [...last.keys()].sort();
      return "{" + names.map((n) => JSON.stringify(n) + ":" + canon(last.get(n))).join(",") + "}";
    }
    case "array":
      return "[" + node.items.map(canon).join(",") + "]";
    case "string":
      return JSON.stringify(node.value);
    case "number":
      return "#" + node.raw;
    default:
      return node.raw;
  }
}
