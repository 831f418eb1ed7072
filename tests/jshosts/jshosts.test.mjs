// Runs the conformance corpus on Deno and Bun (conformance.mjs, one process
// each, on the binaries pinned in tests/js/package-lock.json) so that
// `node --test` and make test cover them; each records its decisions to
// build/conformance/<runtime>.json for the host matrix.
// Run: node --test tests/jshosts/
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

import { recordDir, repoRoot } from "../node/corpus.mjs";

const run = promisify(execFile);
const bin = (name) => join(repoRoot, "tests/js/node_modules/.bin", name);
const script = join(repoRoot, "tests/jshosts/conformance.mjs");

const runtimes = {
  // Deno runs with only what the runner needs: read the module and the
  // corpus, write the record (and a fresh module build, when
  // $EDGEAUTH_MODULE is unset), run go for that build.
  deno: [bin("deno"), ["run", "--no-prompt", "--allow-read", "--allow-env", `--allow-write=${recordDir},${tmpdir()}`, "--allow-run=go", script]],
  bun: [bin("bun"), [script]],
};

for (const [name, [cmd, args]] of Object.entries(runtimes)) {
  test(`conformance under ${name}`, async () => {
    assert.ok(existsSync(cmd), `${cmd} is missing: run npm ci --prefix tests/js`);
    const { stdout } = await run(cmd, args, { cwd: repoRoot, maxBuffer: 16 << 20, timeout: 300_000 }).catch((err) => {
      throw new Error(`${name} failed (exit ${err.code}):\n${err.stdout}\n${err.stderr}`);
    });
    process.stdout.write(stdout);
    assert.match(stdout, new RegExp(`^conformance: ${name} (\\d+)/\\1 vectors passed$`, "m"));
  });
}
