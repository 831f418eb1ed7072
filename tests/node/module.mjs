// Finds the WASI modules the JS runners load, by the rule every Go test
// follows for the edgeauth module (edgeauth/edgeauthtest):
//   - an environment variable, when set, names the file, relative to the
//     repository root unless absolute (the Makefile sets them to its builds
//     in build/, which make keeps up to date); a path that does not exist
//     is an error, never replaced by another build;
//   - else a build from the working tree, once per process, into the
//     per-checkout temp directory edgeauthtest uses (a private file renamed
//     into place), so a runner started by hand never tests a stale file.

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const found = new Map();

/**
 * @param {string} env the environment variable that may name the file
 * @param {string} pkg the Go main package to build otherwise
 * @param {string} name the built file's name
 * @param {string[]} flags go build flags
 * @param {boolean} metered whether to meter the build as make wasm does
 */
function find(env, pkg, name, flags, metered = false) {
  const named = process.env[env];
  if (named) {
    const p = resolve(repoRoot, named);
    if (!existsSync(p)) throw new Error(`${env}=${p}: no such file (run \`make\`, or unset it to build the module)`);
    return p;
  }
  if (!found.has(name)) found.set(name, build(pkg, name, flags, metered));
  return found.get(name);
}

function build(pkg, name, flags, metered) {
  const id = createHash("sha256").update(repoRoot).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `edgeauthtest-${id}`);
  mkdirSync(dir, { recursive: true });
  const tmpDir = mkdtempSync(join(dir, "build-"));
  try {
    const tmp = join(tmpDir, name);
    execFileSync("go", ["build", "-buildmode=c-shared", "-trimpath", ...flags, "-o", tmp, pkg], {
      cwd: repoRoot,
      env: { ...process.env, GOOS: "wasip1", GOARCH: "wasm" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (metered) {
      // As make wasm does: the fallback must be the same module.
      execFileSync("go", ["run", "./wasmhost/meter/cmd/wasmmeter", tmp, tmp], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
    }
    const path = join(dir, name);
    renameSync(tmp, path);
    return path;
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** The absolute path of the edgeauth module to test: $EDGEAUTH_MODULE or ./edgeauth/wasm built as `make wasm` does. */
export const modulePath = () => find("EDGEAUTH_MODULE", "./edgeauth/wasm", "edgeauth.wasm", ["-ldflags=-s -w"], true);

/** The absolute path of the conformance judge: $CONFORMANCE_JUDGE or ./tests/cmd/judge built. */
export const judgePath = () => find("CONFORMANCE_JUDGE", "./tests/cmd/judge", "judge.wasm", []);
