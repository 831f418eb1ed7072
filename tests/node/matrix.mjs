#!/usr/bin/env node
// Prints the conformance matrix — hosts × vector files, vectors passed — from
// the records in build/conformance/ (wazero.json from the Go harness,
// tests/conformance; one file per other host from its runner, in the same
// format), and exits 1 unless every host ran every vector of the corpus,
// passed it, and decided exactly as the first host did.
//
// Decisions are compared by meaning, with the omitempty rules of Go's
// edgeauth.Decision applied to every host alike (a field that is "", 0 or []
// counts as absent), since the wazero record is what the origin sees through
// that type. Each host's own record already judged the exact bytes against
// the vectors.
//
// Usage: node tests/node/matrix.mjs [host...]
// The hosts named, the first being the reference (the Makefile names every
// host that make test runs); with none, every record in build/conformance/,
// wazero first.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { countVectors, loadCorpus, recordDir } from "./corpus.mjs";

const OMITEMPTY = ["subject", "scopes", "jti", "sid", "expires_at", "error", "error_description", "www_authenticate", "reason"];

/** The comparable form of a decision text (null stays null). */
export function normalise(text) {
  if (text === null || text === undefined) return null;
  let d;
  try {
    d = JSON.parse(text);
  } catch {
    return `unparsable: ${text}`;
  }
  const out = {};
  for (const k of Object.keys(d).sort()) {
    const v = d[k];
    if (OMITEMPTY.includes(k) && (v === "" || v === 0 || v === null || (Array.isArray(v) && v.length === 0))) continue;
    out[k] = v;
  }
  return JSON.stringify(out);
}

/**
 * Builds the matrix. Returns {lines, ok}.
 * @param {string[]} hosts the first is the reference
 * @param {(host: string) => object | null} readRecord
 */
export function matrix(hosts, readRecord, files = loadCorpus()) {
  const lines = [];
  const problems = [];
  const records = Object.fromEntries(hosts.map((h) => [h, readRecord(h)]));
  for (const h of hosts) if (!records[h]) problems.push(`${h}: no record in build/conformance/${h}.json`);
  const ref = records[hosts[0]];

  const width = Math.max(12, ...files.map((f) => f.name.length));
  const col = (s) => String(s).padStart(12);
  lines.push(`conformance matrix: vectors passed per host (${countVectors(files)} vectors in ${files.length} files)`);
  lines.push("file".padEnd(width) + hosts.map(col).join(""));
  const totals = Object.fromEntries(hosts.map((h) => [h, 0]));
  const same = Object.fromEntries(hosts.map((h) => [h, 0]));
  for (const f of files) {
    const cells = hosts.map((h) => {
      const rec = records[h];
      if (!rec) return col("-");
      let passed = 0;
      for (const v of f.vectors) {
        const key = `${f.name}/${v.name}`;
        const e = rec.vectors?.[key];
        if (!e) {
          problems.push(`${h}: ${key} did not run`);
          continue;
        }
        if (e.pass) passed++;
        else problems.push(`${h}: ${key} failed: ${(e.problems ?? []).join("; ")}`);
        const r = ref?.vectors?.[key];
        if (r && normalise(e.decision) === normalise(r.decision) && e.decision !== null) same[h]++;
        else if (r && h !== hosts[0]) problems.push(`${h}: ${key} decided ${e.decision} where ${hosts[0]} decided ${r.decision}`);
      }
      totals[h] += passed;
      return col(`${passed}/${f.vectors.length}`);
    });
    lines.push(f.name.padEnd(width) + cells.join(""));
  }
  const n = countVectors(files);
  lines.push("total".padEnd(width) + hosts.map((h) => col(records[h] ? `${totals[h]}/${n}` : "-")).join(""));
  lines.push(`same as ${hosts[0]}`.padEnd(width) + hosts.map((h) => col(records[h] && ref ? `${same[h]}/${n}` : "-")).join(""));
  const ok = problems.length === 0;
  for (const p of problems.slice(0, 50)) lines.push(`  ${p}`);
  if (problems.length > 50) lines.push(`  ... and ${problems.length - 50} more`);
  lines.push(ok ? `matrix: every host passed every vector with ${hosts[0]}'s decisions` : `matrix: FAILED (${problems.length} problems)`);
  return { lines, ok };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const recorded = () =>
    existsSync(recordDir)
      ? readdirSync(recordDir)
          .filter((n) => n.endsWith(".json"))
          .map((n) => n.slice(0, -5))
          .sort((a, b) => (a === "wazero" ? -1 : b === "wazero" ? 1 : a.localeCompare(b)))
      : [];
  const hosts = process.argv.length > 2 ? process.argv.slice(2) : recorded();
  if (hosts.length === 0) {
    console.error(`matrix: no records in ${recordDir}`);
    process.exit(1);
  }
  const read = (h) => {
    const p = join(recordDir, `${h}.json`);
    return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : null;
  };
  const { lines, ok } = matrix(hosts, read);
  console.log(lines.join("\n"));
  process.exitCode = ok ? 0 : 1;
}
