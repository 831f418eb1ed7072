// Runs the corpus on one host as node:test subtests (file, then vector) and
// records every decision to build/conformance/<host>.json, so that the matrix
// (matrix.mjs) can compare hosts vector by vector.
//
// Record format (Go's conformance.Record, which the wazero harness writes):
//   {"host": "node", "total": 231, "passed": 231,
//    "vectors": {"<file>/<vector>": {"pass": true, "problems": [],
//                                     "decision": "<the Decision JSON text>"}}}
// decision is null when the engine itself failed (a trap, a lost worker).

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { check, countVectors, decide, loadCorpus, recordDir } from "./corpus.mjs";

/**
 * @param {import("node:test").TestContext} t the parent test
 * @param {string} host "node", "workerd", ...
 * @param {{main: object, fresh: () => Promise<object>}} engines see corpus.decide
 * @returns {Promise<{passed: number, total: number}>}
 */
export async function runAndRecord(t, host, engines) {
  // A stale record from an earlier run must never stand in for this one.
  rmSync(join(recordDir, `${host}.json`), { force: true });
  const files = loadCorpus();
  const record = { host, total: countVectors(files), passed: 0, vectors: {} };
  for (const f of files) {
    await t.test(f.name, async (ft) => {
      const state = { current: "" };
      for (const v of f.vectors) {
        await ft.test(v.name, async () => {
          const entry = { pass: false, problems: [], decision: null };
          record.vectors[`${f.name}/${v.name}`] = entry;
          try {
            entry.decision = await decide(v, engines, state);
            entry.problems = check(v, entry.decision);
          } catch (err) {
            state.current = "";
            entry.problems = [String(err?.message ?? err)];
          }
          entry.pass = entry.problems.length === 0;
          if (entry.pass) {
            record.passed++;
            return;
          }
          throw new Error(`source: ${v.source}\ndecision: ${entry.decision}\n${entry.problems.join("\n")}`);
        });
      }
    });
  }
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(join(recordDir, `${host}.json`), JSON.stringify(record, null, 1) + "\n");
  console.log(`conformance: ${host} ${record.passed}/${record.total} vectors passed`);
  return record;
}
