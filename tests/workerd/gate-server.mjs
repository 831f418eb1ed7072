// Starts the Workers gate (edgeauth/js/gate) on workerd with a given module,
// configured through environment variables exactly as gate.capnp reads them.
import { join } from "node:path";

import { repoRoot } from "../node/module.mjs";
import { renderConfig, startWorkerd } from "./workerd.mjs";

/**
 * @param {string} wasmPath absolute path of the edgeauth module
 * @param {{origin: string, ttlSeconds?: number, kidCooldownSeconds?: number, retrySeconds?: number, configToken?: string}} s
 * @returns {ReturnType<typeof startWorkerd>}
 */
export function startGate(wasmPath, { origin, ttlSeconds = 10, kidCooldownSeconds = 10, retrySeconds = 5, configToken = "" }) {
  const js = (p) => join(repoRoot, "edgeauth/js", p);
  return startWorkerd(
    renderConfig({
      modules: [
        { name: "edgeauth/js/gate/worker.mjs", path: js("gate/worker.mjs") },
        { name: "edgeauth/js/gate/gate.mjs", path: js("gate/gate.mjs") },
        { name: "edgeauth/js/gate/config-source.mjs", path: js("gate/config-source.mjs") },
        { name: "edgeauth/js/edgeauth.mjs", path: js("edgeauth.mjs") },
        { name: "edgeauth/js/wasi.mjs", path: js("wasi.mjs") },
        { name: "build/edgeauth.wasm", path: wasmPath },
      ],
      env: {
        ORIGIN: "EDGEAUTH_ORIGIN",
        CONFIG_TTL_SECONDS: "EDGEAUTH_CONFIG_TTL_SECONDS",
        KID_REFRESH_COOLDOWN_SECONDS: "EDGEAUTH_KID_REFRESH_COOLDOWN_SECONDS",
        CONFIG_RETRY_SECONDS: "EDGEAUTH_CONFIG_RETRY_SECONDS",
        EDGE_CONFIG_TOKEN: "EDGEAUTH_CONFIG_TOKEN",
        CLIENT_IP_SOURCE: "EDGEAUTH_CLIENT_IP_SOURCE",
      },
      loopback: true,
    }),
    {
      env: {
        EDGEAUTH_ORIGIN: origin,
        EDGEAUTH_CONFIG_TTL_SECONDS: String(ttlSeconds),
        EDGEAUTH_KID_REFRESH_COOLDOWN_SECONDS: String(kidCooldownSeconds),
        EDGEAUTH_CONFIG_RETRY_SECONDS: String(retrySeconds),
        EDGEAUTH_CONFIG_TOKEN: configToken,
        EDGEAUTH_CLIENT_IP_SOURCE: "socket",
      },
    },
  );
}
