// Tests of the JS side of the corpus on small corpora written to a temp dir:
// that loading and judging through the Go judge (judge.mjs) hand over the
// exact bytes both ways, and the driver (decide). The judge's rules are
// tested once, in Go (tests/conformance/check_test.go).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { CorpusError, check, decide, loadCorpus } from "./corpus.mjs";

function corpus(files) {
  const dir = mkdtempSync(join(tmpdir(), "corpus-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return loadCorpus(dir);
}

const REQ = '{"method":"GET","path":"/x","headers":{"authorization":["Bearer abcdefghijklmnopqrstuvwxyz.0123456789abcdefgh.sig"]},"now":1}';

function vector(expect, extra = {}) {
  const text = JSON.stringify({
    configs: { c: { issuer: "i" } },
    vectors: [{ name: "v", source: "test", config: "c", request: JSON.parse(REQ), expect, ...extra }],
  });
  return corpus({ "a.json": text })[0].vectors[0];
}

describe("loadCorpus", () => {
  test("configs and requests keep their exact bytes", () => {
    const text = '{"configs":{"c":{"issuer":"i","leeway_seconds":30.0}},"vectors":[{"name":"v","source":"s","config":"c","request":{"now":1,"method":"GET"},"expect":{"allow":false,"status":401}}]}';
    const [f] = corpus({ "z.json": text });
    assert.equal(f.name, "z");
    assert.equal(f.vectors[0].config, '{"issuer":"i","leeway_seconds":30.0}');
    assert.equal(f.vectors[0].request, '{"now":1,"method":"GET"}');
    assert.equal(f.vectors[0].configKey, "c");
  });
  test("config_json is passed as the string's value", () => {
    const [f] = corpus({ "a.json": '{"configs":{},"vectors":[{"name":"v","source":"s","config_json":"[1,2","config_error":true,"request":{"now":1},"expect":{"allow":false,"status":401}}]}' });
    assert.equal(f.vectors[0].config, "[1,2");
  });
  // Go's Parse decides what is malformed (tests/conformance/check_test.go);
  // these show that its error reaches JS as a CorpusError naming the file.
  const bad = [
    { name: "unknown vector field", text: '{"configs":{"c":{}},"vectors":[{"name":"v","source":"s","config":"c","request":{"now":1},"expect":{"allow":true,"status":200},"oops":1}]}' },
    {
      name: "duplicate vector names",
      text: '{"configs":{"c":{}},"vectors":[{"name":"v","source":"s","config":"c","request":{"now":1},"expect":{"allow":true,"status":200}},{"name":"v","source":"s","config":"c","request":{"now":1},"expect":{"allow":true,"status":200}}]}',
    },
    { name: "not UTF-8", text: Buffer.concat([Buffer.from('{"configs":{},"vectors":["'), Buffer.from([0xff]), Buffer.from('"]}')]) },
  ];
  for (const c of bad) test(c.name, () => assert.throws(() => corpus({ "a.json": c.text }), (err) => err instanceof CorpusError && err.message.startsWith("a.json: ")));
  test("an empty dir is an error", () => assert.throws(() => corpus({}), CorpusError));
});

describe("check", () => {
  const allowDecision = '{"allow":true,"status":200,"subject":"users/1","scopes":[],"jti":"j","expires_at":5}';
  const denyDecision = (desc = "the token has expired") =>
    JSON.stringify({ allow: false, status: 401, error: "invalid_token", error_description: desc, www_authenticate: `Bearer realm="api", error="invalid_token", error_description="${desc}"` });
  const cases = [
    { name: "allowed, all fields equal", expect: { allow: true, status: 200, subject: "users/1", scopes: [], jti: "j", expires_at: 5 }, decision: allowDecision, ok: true },
    { name: "number literals are compared as written", expect: { allow: true, status: 200, expires_at: 5 }, decision: allowDecision.replace('"expires_at":5', '"expires_at":5.0'), want: /^expires_at: want 5, got 5.0$/ },
    { name: "non-ASCII text crosses intact", expect: { allow: false, status: 401, error: "invalid_token", error_description: "é ✓ 𝄞" }, decision: denyDecision("é ✓ 𝄞"), ok: true },
    {
      name: "the header's description must repeat the decision's",
      expect: { allow: false, status: 401, error: "invalid_token", www_authenticate: 'Bearer realm="api", error="invalid_token"' },
      decision: JSON.stringify({ ...JSON.parse(denyDecision()), www_authenticate: 'Bearer realm="api", error="invalid_token", error_description="other"' }),
      want: /differs from the decision's/,
    },
    { name: "the credential comes from the request", expect: { allow: false, status: 401 }, decision: denyDecision("bad abcdefghijklmnopqrstuvwxyz"), want: /echoes the credential/ },
    { name: "a duplicate member", expect: { allow: true, status: 200 }, decision: '{"allow":true,"status":200,"status":200}', want: /duplicate member/ },
    { name: "not JSON", expect: { allow: true, status: 200 }, decision: "{", want: /decision JSON/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const problems = check(vector(c.expect), c.decision);
      if (c.ok) assert.deepEqual(problems, []);
      else assert.match(problems.join("\n"), c.want);
    });
  }
});

describe("decide", () => {
  // A fake engine that accepts configs with an issuer and answers which
  // config it holds.
  function fake(log) {
    let held = null;
    return {
      configure: async (text) => {
        log.push(`configure ${text}`);
        if (!JSON.parse(text).issuer) return { ok: false, error: "no issuer" };
        held = text;
        return { ok: true };
      },
      authorize: async () => JSON.stringify({ held }),
    };
  }
  const text = JSON.stringify({
    configs: { a: { issuer: "a" }, b: { issuer: "b" }, bad: { issuer: "" } },
    vectors: [
      { name: "a1", source: "s", config: "a", request: { now: 1 }, expect: { allow: true, status: 200 } },
      { name: "a2", source: "s", config: "a", request: { now: 1 }, expect: { allow: true, status: 200 } },
      { name: "inline", source: "s", config: { issuer: "x" }, request: { now: 1 }, expect: { allow: true, status: 200 } },
      { name: "keeps-b", source: "s", config: "bad", config_error: true, previous_config: "b", request: { now: 1 }, expect: { allow: true, status: 200 } },
      { name: "fresh", source: "s", config: "bad", config_error: true, request: { now: 1 }, expect: { allow: false, status: 401 } },
      { name: "wrongly-bad", source: "s", config: "a", config_error: true, request: { now: 1 }, expect: { allow: false, status: 401 } },
    ],
  });
  test("configures only on change, keeps the previous config, uses a fresh engine", async () => {
    const [f] = corpus({ "d.json": text });
    const log = [];
    const freshLog = [];
    const engines = { main: fake(log), fresh: async () => fake(freshLog) };
    const state = { current: "" };
    const out = [];
    for (const v of f.vectors.slice(0, 5)) out.push(JSON.parse(await decide(v, engines, state)).held);
    assert.deepEqual(out, ['{"issuer":"a"}', '{"issuer":"a"}', '{"issuer":"x"}', '{"issuer":"b"}', null]);
    assert.deepEqual(log, ['configure {"issuer":"a"}', 'configure {"issuer":"x"}', 'configure {"issuer":"b"}', 'configure {"issuer":""}']);
    assert.deepEqual(freshLog, ['configure {"issuer":""}']);
    await assert.rejects(decide(f.vectors[5], engines, state), /accepted a config it must reject/);
  });
});
