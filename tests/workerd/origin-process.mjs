// Builds and runs the real origin (./origin/cmd/origin) for the gate's
// end-to-end test: a temp SQLite database, port 0 on loopback, the module
// under test as its auth step, and its JSON logs captured so the test can
// prove which requests reached it.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { repoRoot } from "../node/corpus.mjs";

/** Builds the origin binary into a temp dir and returns its path. */
export function buildOrigin() {
  const bin = join(mkdtempSync(join(tmpdir(), "origin-bin-")), "origin");
  execFileSync("go", ["build", "-o", bin, "./origin/cmd/origin"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  return bin;
}

/**
 * The environment of an origin on a temp database (names from
 * origin/cmd/origin's config: SERVER_*, DATABASE_PATH, AUTH_*).
 */
export function originEnv(wasmPath, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), "origin-data-"));
  return {
    SERVER_HOST: "127.0.0.1",
    SERVER_PORT: "0",
    DATABASE_PATH: join(dir, "origin.db"),
    AUTH_MODULE: wasmPath,
    AUTH_CACHE_DIR: join(dir, "wazero-cache"),
    AUTH_BCRYPT_COST: "4",
    ...extra,
  };
}

/**
 * Runs `origin <args>` to completion (e.g. `keys rotate`) and returns stdout.
 */
export function runOriginCommand(bin, env, args) {
  return execFileSync(bin, args, { env: { ...process.env, ...env }, timeout: 30_000, encoding: "utf8" });
}

/**
 * Starts `origin serve`; resolves once it logs `"msg":"listening"`.
 * @returns {Promise<{url: string, logs: () => object[], stop: () => Promise<void>}>}
 */
export async function startOrigin(bin, env, { startTimeoutMs = 30_000, lifetimeMs = 300_000 } = {}) {
  const child = spawn(bin, ["serve"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const lines = [];
  const onData = (b) => {
    text += b;
    let nl;
    while ((nl = text.indexOf("\n")) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise((res) => child.once("exit", res));
  const killer = setTimeout(() => child.kill("SIGKILL"), lifetimeMs);
  killer.unref();
  const stop = async () => {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const l = lines.find((x) => x.msg === "listening" && x.addr);
    if (l) return { url: `http://${l.addr}`, logs: () => lines, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`origin did not start:\n${lines.map((x) => JSON.stringify(x)).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
