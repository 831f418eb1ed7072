// Starts and stops workerd (npm `workerd`, installed by `npm ci --prefix
// tests/js`) for the tests: a capnp config written to a temp dir, a socket on
// 127.0.0.1 with a port chosen by the kernel (reported on --control-fd), and
// a hard time limit so a stuck workerd never outlives its test.

import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startChild } from "../node/child.mjs";
import { repoRoot } from "../node/module.mjs";

/** The workerd binary from tests/js/node_modules. */
export function workerdBinary() {
  const candidates = [
    join(repoRoot, "tests/js/node_modules/@cloudflare/workerd-linux-64/bin/workerd"),
    join(repoRoot, "tests/js/node_modules/.bin/workerd"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error("workerd is not installed: run `npm ci --prefix tests/js`");
  return found;
}

/**
 * Renders a capnp config with one worker.
 * @param {object} o
 * @param {{name: string, path: string}[]} o.modules absolute paths; a name
 *   ending in .wasm is a wasm module, anything else an ES module. The first
 *   is the entry point.
 * @param {Record<string, string>} [o.env] bindings read from the environment
 *   (binding name -> environment variable).
 * @param {boolean} [o.loopback] let fetch() reach 127.0.0.0/8 (and nothing else).
 */
export function renderConfig({ modules, env = {}, loopback = false }) {
  const q = (s) => JSON.stringify(s);
  const mods = modules
    .map((m) => `(name = ${q(m.name)}, ${m.name.endsWith(".wasm") ? "wasm" : "esModule"} = embed ${q(m.path)})`)
    .join(",\n    ");
  const binds = Object.entries(env)
    .map(([name, variable]) => `(name = ${q(name)}, fromEnvironment = ${q(variable)})`)
    .join(", ");
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["127.0.0.0/8"])),
    (name = "none", network = (allow = [])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    ${mods}
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = ${loopback ? '"loopback"' : '"none"'},
  bindings = [${binds}],
);
`;
}

/**
 * Starts workerd with a config text. Resolves when it listens.
 * @param {string} configText
 * @param {object} [o]
 * @param {Record<string, string>} [o.env] extra environment variables
 * @param {number} [o.startTimeoutMs] how long to wait for the socket (default 20 s)
 * @param {number} [o.lifetimeMs] hard limit after which it is killed (default 5 min)
 * @returns {Promise<{url: string, stop: () => Promise<void>, output: () => string}>}
 */
export async function startWorkerd(configText, { env = {}, startTimeoutMs = 20_000, lifetimeMs = 300_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "workerd-"));
  const configPath = join(dir, "config.capnp");
  writeFileSync(configPath, configText);
  // -I / lets embed paths be absolute; workerd reports its port on fd 3.
  const { value: port, stop, output } = await startChild(workerdBinary(), ["serve", "-I", "/", configPath, "--control-fd=3"], {
    name: "workerd",
    env,
    controlFd: true,
    startTimeoutMs,
    lifetimeMs,
    stopGraceMs: 3000,
    ready: (line, source) => {
      if (source !== "control") return undefined;
      try {
        const msg = JSON.parse(line);
        return msg.event === "listen" && msg.socket === "http" ? msg.port : undefined;
      } catch {
        return undefined;
      }
    },
  });
  return { url: `http://127.0.0.1:${port}`, stop, output };
}
