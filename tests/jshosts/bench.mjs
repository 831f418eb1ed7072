#!/usr/bin/env node
// The module's budget on each JS host, for the host table in
// edgeauth/DEPLOY.md (the Go hosts, wazero and http-wasm, are measured by
// BenchmarkBudget in tests/httpwasm):
//   - cold: from the module's bytes to the first decision. Node, Deno and
//     Bun: compile, instantiate, _initialize, configure, one check, in a
//     fresh process (budget.mjs). workerd: from starting workerd (which
//     compiles the module) to the first decision of the Worker's first
//     instance, over loopback HTTP.
//   - EdDSA, ES256: an allowed check of a token the instance has not seen;
//     cached: a token seen before (tests/workerd/bench.mjs's method, on the
//     same tokens for every host).
// Medians of RUNS fresh processes (3). Node, Deno and Bun also report their
// process's CPU time for the same spans (in parentheses): on a machine shared
// with other jobs, wall time includes waiting for a CPU. workerd runs in its
// own process and is timed from outside, wall time only.
// Usage: node tests/jshosts/bench.mjs
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { repoRoot } from "../node/corpus.mjs";
import { modulePath } from "../node/module.mjs";
import { benchWorkerd, fixtures } from "../workerd/bench.mjs";
import { startConformanceWorker } from "../workerd/conformance-server.mjs";

const RUNS = 3;
const run = promisify(execFile);
const bin = (name) => join(repoRoot, "tests/js/node_modules/.bin", name);
const budget = join(repoRoot, "tests/jshosts/budget.mjs");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 1 ? `${ms.toFixed(ms >= 100 ? 0 : 1)} ms` : `${(ms * 1000).toFixed(0)} µs`);

const runtimes = {
  node: [process.execPath, [budget]],
  deno: [bin("deno"), ["run", "--no-prompt", "--allow-read", "--allow-env", "--allow-run=go", `--allow-write=${tmpdir()}`, budget]],
  bun: [bin("bun"), [budget]],
};

async function benchRuntime(name, fxPath) {
  const [cmd, args] = runtimes[name];
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await run(cmd, [...args, fxPath], { cwd: repoRoot, maxBuffer: 1 << 20 });
    runs.push(JSON.parse(stdout.trim().split("\n").at(-1)));
  }
  const m = (f) => median(runs.map(f));
  return {
    cold: m((r) => r.cold),
    EdDSA: m((r) => r.EdDSA.cold),
    ES256: m((r) => r.ES256.cold),
    cached: m((r) => r.EdDSA.cached),
    cpu: {
      cold: m((r) => r.coldCpu),
      EdDSA: m((r) => r.EdDSA.coldCpu),
      ES256: m((r) => r.ES256.coldCpu),
      cached: m((r) => r.EdDSA.cachedCpu),
    },
  };
}

async function benchWorkerdHost(wasmPath, fx) {
  const colds = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const server = await startConformanceWorker(wasmPath);
    try {
      const post = async (path, body) => (await fetch(server.url + path, { method: "POST", body })).text();
      if (!JSON.parse(await post("/configure", fx.config)).ok) throw new Error("workerd: bench config rejected");
      if (!JSON.parse(await post("/authorize", fx.requests.EdDSA[0])).allow) throw new Error("workerd: not allowed");
      colds.push(performance.now() - t);
    } finally {
      await server.stop();
    }
  }
  const w = await benchWorkerd(wasmPath, fx);
  return { cold: median(colds), EdDSA: w.EdDSA.cold, ES256: w.ES256.cold, cached: w.EdDSA.cached };
}

const wasmPath = modulePath();
const fx = fixtures();
const dir = mkdtempSync(join(tmpdir(), "edgeauth-budget-"));
const fxPath = join(dir, "fixtures.json");
writeFileSync(fxPath, JSON.stringify(fx));
const rows = {};
try {
  for (const name of Object.keys(runtimes)) rows[name] = await benchRuntime(name, fxPath);
  rows.workerd = await benchWorkerdHost(wasmPath, fx);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
console.log(`the module's budget per JS host (${(readFileSync(wasmPath).length / 1e6).toFixed(2)} MB module; medians; wall (CPU); load average ${load})`);
console.log("host       cold start to 1st decision     EdDSA, new token     ES256, new token         cached token");
const cell = (r, f, w) => `${fmt(r[f])}${r.cpu ? ` (${fmt(r.cpu[f])})` : ""}`.padStart(w);
for (const [name, r] of Object.entries(rows)) {
  console.log(`${name.padEnd(10)} ${cell(r, "cold", 26)}   ${cell(r, "EdDSA", 18)}   ${cell(r, "ES256", 18)}   ${cell(r, "cached", 18)}`);
}
