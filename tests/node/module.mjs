// Finds the edgeauth module for the JS runners by the rule every Go test
// follows (edgeauth/edgeauthtest):
//   - $EDGEAUTH_MODULE when set, relative to the repository root unless
//     absolute (the Makefile sets build/edgeauth.wasm, which make keeps up
//     to date); a path that does not exist is an error, never replaced by
//     another build;
//   - else a build of ./edgeauth/wasm with the flags of `make wasm`, once
//     per process, into the per-checkout temp directory edgeauthtest uses
//     (a private file renamed into place), so a runner started by hand never
//     tests a stale file.

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { repoRoot } from "./corpus.mjs";

/** The environment variable that names the module under test. */
export const ENV_MODULE = "EDGEAUTH_MODULE";

let built = null;

/** The absolute path of the module to test. */
export function modulePath() {
  const env = process.env[ENV_MODULE];
  if (env) {
    const p = resolve(repoRoot, env);
    if (!existsSync(p)) throw new Error(`${ENV_MODULE}=${p}: no such file (run \`make wasm\`, or unset it to build the module)`);
    return p;
  }
  if (built === null) built = build();
  return built;
}

function build() {
  const id = createHash("sha256").update(repoRoot).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `edgeauthtest-${id}`);
  mkdirSync(dir, { recursive: true });
  const tmp = join(mkdtempSync(join(dir, "build-")), "edgeauth.wasm");
  try {
    execFileSync("go", ["build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", tmp, "./edgeauth/wasm"], {
      cwd: repoRoot,
      env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const path = join(dir, "edgeauth.wasm");
    renameSync(tmp, path);
    return path;
  } finally {
    rmSync(join(tmp, ".."), { recursive: true, force: true });
  }
}
