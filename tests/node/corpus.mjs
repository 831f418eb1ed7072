// The conformance corpus for JS hosts: the JS mirror of the Go package
// tests/conformance (load.go, format.go, check.go, run.go). Both read
// tests/testdata/conformance/*.json, hand engines the exact bytes of each
// config and request, and judge decisions by the same rules (see
// tests/testdata/conformance/README.md); a change to one must be made to the
// other.

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { canon, member, parseRaw } from "./rawjson.mjs";

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the corpus lives. */
export const corpusDir = join(repoRoot, "tests/testdata/conformance");

/** Where runners record their decisions, one file per host. */
export const recordDir = join(repoRoot, "build/conformance");

/** A malformed corpus (the JS twin of conformance.ErrCorpus). */
export class CorpusError extends Error {
  constructor(message) {
    super(message);
    this.name = "CorpusError";
  }
}

const VECTOR_FIELDS = new Set(["name", "source", "differential", "config", "config_json", "config_error", "previous_config", "request", "expect"]);

/**
 * Loads every *.json file of dir, sorted by name, as
 * {name, vectors: [{name, source, config, configKey, configError,
 * previousConfig, request, expect}]} where config, previousConfig and request
 * are the exact source text and expect maps a field to its parsed node.
 * @param {string} [dir]
 */
export function loadCorpus(dir = corpusDir) {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort();
  if (names.length === 0) throw new CorpusError(`no *.json files in ${dir}`);
  return names.map((n) => {
    try {
      return parseFile(readFileSync(join(dir, n), "utf8"), n.slice(0, -5));
    } catch (err) {
      throw new CorpusError(`${n}: ${err.message}`);
    }
  });
}

function parseFile(text, name) {
  const root = parseRaw(text);
  if (root.kind !== "object") throw new CorpusError("not an object");
  for (const [k] of root.members) {
    if (k !== "configs" && k !== "vectors") throw new CorpusError(`unknown field ${k}`);
  }
  const configs = new Map();
  const cnode = member(root, "configs");
  if (cnode && cnode.kind === "object") for (const [k, v] of cnode.members) configs.set(k, v.raw);
  const vnode = member(root, "vectors");
  if (!vnode || vnode.kind !== "array" || vnode.items.length === 0) throw new CorpusError("no vectors");

  const resolveConfig = (node) => {
    if (node?.kind === "object") return node.raw;
    if (node?.kind === "string") {
      if (!configs.has(node.value)) throw new CorpusError(`unknown config ${JSON.stringify(node.value)}`);
      return configs.get(node.value);
    }
    throw new CorpusError("config is neither a name nor an object");
  };

  const seen = new Set();
  const vectors = vnode.items.map((item, i) => {
    if (item.kind !== "object") throw new CorpusError(`vector ${i} is not an object`);
    for (const [k] of item.members) if (!VECTOR_FIELDS.has(k)) throw new CorpusError(`vector ${i}: unknown field ${k}`);
    const str = (f) => member(item, f)?.value ?? "";
    const v = {
      name: str("name"),
      source: str("source"),
      configError: member(item, "config_error")?.value === true,
      previousConfig: null,
      configKey: "",
      request: member(item, "request")?.raw,
      expect: new Map((member(item, "expect")?.members ?? []).map(([k, n]) => [k, n])),
    };
    const configJSON = member(item, "config_json");
    if (configJSON && configJSON.kind === "string") {
      v.config = configJSON.value;
    } else {
      const ref = member(item, "config");
      v.config = resolveConfig(ref);
      if (ref.kind === "string") v.configKey = ref.value;
    }
    const prev = str("previous_config");
    if (prev !== "") {
      if (!v.configError) throw new CorpusError(`vector ${v.name}: previous_config without config_error`);
      v.previousConfig = resolveConfig({ kind: "string", value: prev });
      v.previousKey = prev;
    }
    if (v.name === "" || /[/ ]/.test(v.name)) throw new CorpusError(`vector ${i}: bad name`);
    if (v.source === "") throw new CorpusError(`vector ${v.name}: no source`);
    if (!v.request?.startsWith("{")) throw new CorpusError(`vector ${v.name}: request is not an object`);
    if (!v.expect.has("allow") || !v.expect.has("status")) throw new CorpusError(`vector ${v.name}: expect needs allow and status`);
    if (seen.has(v.name)) throw new CorpusError(`duplicate vector name ${v.name}`);
    seen.add(v.name);
    v.credentials = credentials(v.request);
    return v;
  });
  return { name, vectors };
}

// The part after the first space of every Authorization value (the whole
// value when it has none), for the echo check.
function credentials(requestText) {
  let req;
  try {
    req = JSON.parse(requestText);
  } catch {
    return [];
  }
  const vals = req?.headers?.authorization;
  if (!Array.isArray(vals)) return [];
  return vals.filter((x) => typeof x === "string").map((x) => (x.includes(" ") ? x.slice(x.indexOf(" ") + 1) : x));
}

/** The total number of vectors in files. */
export const countVectors = (files) => files.reduce((n, f) => n + f.vectors.length, 0);

/**
 * Configures the right engine for v and returns its Decision text, like Go's
 * conformance.Decide. An engine is {configure(text) -> Promise<{ok, error}>,
 * authorize(text) -> Promise<string>}; fresh() returns one that never
 * accepted a config. state.current names the config the main engine holds.
 */
export async function decide(v, engines, state) {
  const { main, fresh } = engines;
  if (!v.configError) {
    if (v.configKey === "" || v.configKey !== state.current) {
      state.current = "";
      const r = await main.configure(v.config);
      if (!r.ok) throw new Error(`configure rejected a valid config: ${r.error}`);
      state.current = v.configKey;
    }
    return main.authorize(v.request);
  }
  let eng = main;
  if (v.previousConfig === null) {
    eng = await fresh();
  } else {
    state.current = "";
    const r = await eng.configure(v.previousConfig);
    if (!r.ok) throw new Error(`configure rejected the valid previous_config: ${r.error}`);
    state.current = v.previousKey;
  }
  const r = await eng.configure(v.config);
  if (r.ok) {
    state.current = "";
    throw new Error(`configure accepted a config it must reject: ${v.config}`);
  }
  return eng.authorize(v.request);
}

const MIN_ECHO_LEN = 16;
const EXACT_FIELDS = new Set(["allow", "status", "subject", "jti", "sid", "expires_at", "error", "error_description"]);
const DESC_PARAM = /, error_description="((?:[^"\\]|\\.)*)"/g;

/**
 * Judges one Decision text against a vector, returning every mismatch (none:
 * passed). The rules are those of Go's conformance.Check.
 * @returns {string[]}
 */
export function check(v, decisionText) {
  const problems = [];
  const fail = (m) => problems.push(m);
  let root;
  try {
    root = parseRaw(decisionText);
  } catch (err) {
    return [`decision is not JSON: ${err.message}`];
  }
  if (root.kind !== "object") return [`decision is not a JSON object: ${decisionText}`];
  const got = new Map();
  for (const [k, n] of root.members) {
    if (got.has(k)) return [`decision has a duplicate member ${JSON.stringify(k)}`];
    got.set(k, n);
  }
  const str = (f) => {
    const n = got.get(f);
    if (n === undefined) return "";
    if (n.kind !== "string") {
      fail(`${f}: not a string: ${n.raw}`);
      return "";
    }
    return n.value;
  };

  for (const name of [...v.expect.keys()].sort()) {
    const want = v.expect.get(name);
    const g = got.get(name);
    if (want.kind === "null") {
      if (g !== undefined) fail(`${name}: want absent, got ${g.raw}`);
      continue;
    }
    if (g === undefined) {
      fail(`${name}: want ${want.raw}, got absent`);
      continue;
    }
    if (EXACT_FIELDS.has(name)) {
      if (canon(want) !== canon(g)) fail(`${name}: want ${want.raw}, got ${g.raw}`);
    } else if (name === "scopes") {
      const strings = (n) => (n.kind === "array" && n.items.every((x) => x.kind === "string") ? n.items.map((x) => x.value) : null);
      const w = strings(want);
      const gs = strings(g);
      if (w === null) fail(`scopes: bad expectation ${want.raw}`);
      else if (gs === null) fail(`scopes: want ${want.raw}, got ${g.raw} (not an array of strings)`);
      else if (JSON.stringify(w) !== JSON.stringify(gs)) fail(`scopes: want ${want.raw}, got ${g.raw}`);
    } else if (name === "www_authenticate") {
      if (want.kind !== "string") {
        fail(`www_authenticate: bad expectation ${want.raw}`);
        continue;
      }
      let h = str(name);
      const e = v.expect.get("error");
      if (e !== undefined && e.kind !== "null") h = withoutDescription(h, str("error_description"), fail);
      if (h !== want.value) fail(`www_authenticate: want ${JSON.stringify(want.value)}, got ${JSON.stringify(str(name))}`);
    } else {
      fail(`${name}: unknown expectation field`);
    }
  }

  // Invariants every decision keeps, whatever the vector says.
  const allow = got.get("allow");
  if (allow?.kind !== "bool") {
    fail("allow: missing or not a boolean");
    return problems;
  }
  const status = got.get("status");
  if (status?.kind !== "number" || !/^-?\d+$/.test(status.raw)) {
    fail("status: missing or not an integer");
    return problems;
  }
  if (allow.value !== (Number(status.raw) === 200)) fail(`invariant: allow=${allow.value} with status ${status.raw}`);
  const forbidden = allow.value ? ["error", "error_description", "www_authenticate"] : ["subject", "scopes", "jti", "sid", "expires_at"];
  for (const f of forbidden) {
    if (got.has(f)) fail(`invariant: an ${allow.value ? "allowed" : "denied"} decision carries ${f}`);
  }
  if (got.has("error") && str("error_description") === "") fail(`invariant: error ${JSON.stringify(str("error"))} without an error_description`);
  const desc = str("error_description");
  const header = str("www_authenticate");
  outer: for (const cred of v.credentials) {
    for (const part of echoParts(cred)) {
      if (desc.includes(part) || header.includes(part)) {
        fail(`invariant: the decision echoes the credential (${JSON.stringify(part.slice(0, 20))}...)`);
        break outer;
      }
    }
  }
  return problems;
}

function withoutDescription(h, desc, fail) {
  const m = [...h.matchAll(DESC_PARAM)];
  if (m.length === 0) return h;
  if (m.length > 1) {
    fail(`www_authenticate: more than one error_description parameter: ${JSON.stringify(h)}`);
    return h;
  }
  const val = m[0][1].replace(/\\(.)/g, "$1");
  if (val !== desc) fail(`www_authenticate: error_description=${JSON.stringify(val)} differs from the decision's ${JSON.stringify(desc)}`);
  return h.slice(0, m[0].index) + h.slice(m[0].index + m[0][0].length);
}

// Lengths are in UTF-8 bytes, as in Go.
const byteLength = (s) => new TextEncoder().encode(s).length;

function echoParts(cred) {
  const parts = [];
  if (byteLength(cred) >= MIN_ECHO_LEN) parts.push(cred);
  for (const seg of cred.split(".")) if (byteLength(seg) >= MIN_ECHO_LEN && seg !== cred) parts.push(seg);
  return parts;
}
