// Builds and runs the real origin (./origin/cmd/origin) for the gate's
// end-to-end test: a temp SQLite database, port 0 on loopback, the module
// under test as its auth step, and its JSON logs captured so the test can
// prove which requests reached it.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startChild } from "../node/child.mjs";
import { repoRoot } from "../node/module.mjs";

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
 * waitLog(pred) resolves with the first log line (parsed) pred accepts, as
 * soon as the origin writes it.
 * @returns {Promise<{url: string, logs: () => object[], waitLog: (pred: (line: object) => boolean, timeoutMs?: number) => Promise<object>, stop: () => Promise<void>}>}
 */
export async function startOrigin(bin, env, { startTimeoutMs = 30_000, lifetimeMs = 300_000 } = {}) {
  const lines = [];
  const waiters = new Set();
  const { value: addr, stop } = await startChild(bin, ["serve"], {
    name: "origin",
    env,
    startTimeoutMs,
    lifetimeMs,
    onLine: (line) => {
      const l = parseLine(line);
      lines.push(l);
      for (const w of waiters) w(l);
    },
    ready: () => {
      const l = lines.at(-1);
      return l.msg === "listening" && l.addr ? l.addr : undefined;
    },
  });
  const waitLog = (pred, timeoutMs = 10_000) =>
    new Promise((res, rej) => {
      const hit = lines.find(pred);
      if (hit) return res(hit);
      const w = (l) => {
        if (!pred(l)) return;
        clearTimeout(timer);
        waiters.delete(w);
        res(l);
      };
      const timer = setTimeout(() => {
        waiters.delete(w);
        rej(new Error(`the origin logged no such line within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(w);
    });
  return { url: `http://${addr}`, logs: () => lines, waitLog, stop };
}

// A JSON log line, or {raw} for anything else.
function parseLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return { raw: line };
  }
}
