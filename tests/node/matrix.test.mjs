// Tests of the host matrix on a small corpus and hand-made records.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { loadCorpus } from "./corpus.mjs";
import { matrix, normalise } from "./matrix.mjs";

const dir = mkdtempSync(join(tmpdir(), "matrix-"));
writeFileSync(
  join(dir, "f.json"),
  JSON.stringify({
    configs: { c: { issuer: "i" } },
    vectors: ["a", "b"].map((name) => ({ name, source: "s", config: "c", request: { now: 1 }, expect: { allow: false, status: 401 } })),
  }),
);
const files = loadCorpus(dir);
const deny = '{"allow":false,"status":401,"www_authenticate":"Bearer realm=\\"api\\""}';
const rec = (over = {}) => ({ vectors: { "f/a": { pass: true, decision: deny }, "f/b": { pass: true, decision: deny }, ...over } });

describe("matrix", () => {
  const cases = [
    { name: "all equal", records: { wazero: rec(), node: rec(), workerd: rec() }, ok: true },
    { name: "a missing host", records: { wazero: rec(), node: rec() }, ok: false, want: /workerd: no record/ },
    { name: "a vector that did not run", records: { wazero: rec(), node: { vectors: { "f/a": { pass: true, decision: deny } } }, workerd: rec() }, ok: false, want: /node: f\/b did not run/ },
    { name: "a failed vector", records: { wazero: rec(), node: rec({ "f/a": { pass: false, problems: ["boom"], decision: deny } }), workerd: rec() }, ok: false, want: /node: f\/a failed: boom/ },
    {
      name: "a different decision",
      records: { wazero: rec(), node: rec(), workerd: rec({ "f/b": { pass: true, decision: '{"allow":false,"status":401}' } }) },
      ok: false,
      want: /workerd: f\/b decided/,
    },
    { name: "omitempty fields count as absent", records: { wazero: rec(), node: rec({ "f/a": { pass: true, decision: deny.replace("}", ',"scopes":[],"subject":""}') } }), workerd: rec() }, ok: true },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { lines, ok } = matrix(["wazero", "node", "workerd"], (h) => c.records[h] ?? null, files);
      assert.equal(ok, c.ok, lines.join("\n"));
      if (c.want) assert.match(lines.join("\n"), c.want);
      assert.match(lines.join("\n"), /^f\s+\S/m, "a row per file");
    });
  }
  test("normalise keeps allow false and drops empty optional fields", () => {
    assert.equal(normalise('{"status":401,"allow":false,"jti":""}'), '{"allow":false,"status":401}');
    assert.equal(normalise(null), null);
  });
});
