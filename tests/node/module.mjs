// Finds the edgeauth module for the JS runners: $EDGEAUTH_MODULE when set
// (the Makefile passes build/edgeauth.wasm, already built), else a fresh
// build of ./edgeauth/wasm into a temp dir, so a runner started by hand never
// tests a stale file.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { repoRoot } from "./corpus.mjs";

let built = null;

/** The absolute path of the module to test. */
export function modulePath() {
  if (process.env.EDGEAUTH_MODULE) return resolve(repoRoot, process.env.EDGEAUTH_MODULE);
  if (built === null) {
    built = join(mkdtempSync(join(tmpdir(), "edgeauth-wasm-")), "edgeauth.wasm");
    execFileSync("go", ["build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", built, "./edgeauth/wasm"], {
      cwd: repoRoot,
      env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" },
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return built;
}
