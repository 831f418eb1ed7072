// Builds Go wasip1 reactors for the JS tests, so they need nothing checked in
// but source: `go` on PATH is enough (the Go build cache makes reruns fast).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (three levels above this file). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Builds the Go package pkg (relative to the repo root) as a wasip1 reactor
 * and returns its bytes.
 * @param {string} pkg e.g. "./edgeauth/js/testdata/reactor"
 */
export function buildReactor(pkg, { metered = false } = {}) {
  const out = join(mkdtempSync(join(tmpdir(), "edgeauth-js-")), "module.wasm");
  execFileSync("go", ["build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, pkg], {
    cwd: repoRoot,
    env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (metered) {
    // The same instrumentation make wasm applies to edgeauth.wasm.
    execFileSync("go", ["run", "./wasmhost/meter/cmd/wasmmeter", out, out], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  }
  return readFileSync(out);
}
