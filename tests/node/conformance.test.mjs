// The conformance corpus under Node 20, through the JS host adapter
// (edgeauth/js) and its WASI shim: every vector of
// tests/testdata/conformance judged like the Go harness, every decision
// recorded to build/conformance/node.json for the host matrix.
// Run: node --test tests/node/
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { EdgeAuth } from "../../edgeauth/js/edgeauth.mjs";
import { modulePath } from "./module.mjs";
import { runAndRecord } from "./record.mjs";

function engine(auth) {
  return {
    configure: async (text) => auth.configure(text),
    authorize: async (text) => auth.authorizeJSON(text),
  };
}

test("conformance under node", async (t) => {
  const module = await WebAssembly.compile(readFileSync(modulePath()));
  const main = engine(await EdgeAuth.create(module));
  const fresh = async () => engine(await EdgeAuth.create(module));
  const { passed, total } = await runAndRecord(t, "node", { main, fresh });
  if (passed !== total) throw new Error(`${total - passed} of ${total} vectors failed`);
});
