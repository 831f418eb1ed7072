// The gate's Worker entry point, for `wrangler deploy` (wrangler.toml) and for
// local workerd runs (gate.capnp). The module is imported as a compiled
// WebAssembly.Module: wrangler's default rule for *.wasm does that, and the
// capnp config declares it as a wasm module under the same name.
import wasmModule from "../../../build/edgeauth.wasm";

import { createGate } from "./gate.mjs";

// Creating the gate does no work yet: Workers forbid randomness at global
// scope, so the module starts inside the first request.
const gate = createGate({ wasmModule, log: console });

export default {
  fetch: (request, env) => gate.fetch(request, env),
};
