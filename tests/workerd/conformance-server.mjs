// Starts workerd serving conformance-worker.mjs with a given module.
import { join } from "node:path";

import { repoRoot } from "../node/module.mjs";
import { renderConfig, startWorkerd } from "./workerd.mjs";

/**
 * @param {string} wasmPath absolute path of the edgeauth module
 * @returns {ReturnType<typeof startWorkerd>}
 */
export function startConformanceWorker(wasmPath) {
  return startWorkerd(
    renderConfig({
      modules: [
        { name: "conformance-worker.mjs", path: join(repoRoot, "tests/workerd/conformance-worker.mjs") },
        { name: "edgeauth/js/edgeauth.mjs", path: join(repoRoot, "edgeauth/js/edgeauth.mjs") },
        { name: "edgeauth/js/wasi.mjs", path: join(repoRoot, "edgeauth/js/wasi.mjs") },
        { name: "build/edgeauth.wasm", path: wasmPath },
      ],
    }),
  );
}
