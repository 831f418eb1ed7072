// The conformance corpus on the JS runtime that runs this script — Deno or
// Bun (Node has its own runner, tests/node/conformance.test.mjs) — through
// the JS host adapter (edgeauth/js) and its WASI shim, unchanged. Every
// vector is judged like the Go harness and every decision recorded to
// build/conformance/<runtime>.json for the host matrix.
//
// Neither runtime's node:test is complete enough to rely on, so the
// recorder's test context is given by a minimal stand-in that runs subtests
// in order and collects their failures.
//
// Run: tests/js/node_modules/.bin/deno run --allow-read --allow-env --allow-write --allow-run=go tests/jshosts/conformance.mjs
//      tests/js/node_modules/.bin/bun tests/jshosts/conformance.mjs
// (tests/jshosts/jshosts.test.mjs runs both under node --test.)
// Exits 1 unless every vector passed.
import { readFileSync } from "node:fs";

import { EdgeAuth } from "../../edgeauth/js/edgeauth.mjs";
import { modulePath } from "../node/module.mjs";
import { runAndRecord } from "../node/record.mjs";
import { runtime } from "./runtime.mjs";

function engine(auth) {
  return {
    configure: async (text) => auth.configure(text),
    authorize: async (text) => auth.authorizeJSON(text),
  };
}

// A node:test-shaped context: test(name, fn) runs fn with a child context
// and records a failure instead of throwing it.
function context(failures, prefix = "") {
  return {
    async test(name, fn) {
      try {
        await fn(context(failures, `${prefix}${name}/`));
      } catch (err) {
        failures.push(`${prefix}${name}: ${String(err?.message ?? err)}`);
      }
    },
  };
}

const module = await WebAssembly.compile(readFileSync(modulePath()));
const main = engine(await EdgeAuth.create(module));
const fresh = async () => engine(await EdgeAuth.create(module));
const failures = [];
const { passed, total } = await runAndRecord(context(failures), runtime, { main, fresh });
for (const f of failures.slice(0, 20)) console.error(f);
if (passed !== total) {
  console.error(`${total - passed} of ${total} vectors failed under ${runtime}`);
  process.exit(1);
}
