// The life of a child process in a test, for every server a JS test starts
// (workerd, the origin, other hosts): spawn it, wait for the line that says
// it is ready, and stop it (SIGTERM, then SIGKILL after a grace period). A
// hard lifetime kills a child a test forgot, so it never outlives the run.

import { spawn } from "node:child_process";

/**
 * Starts cmd and resolves once ready() returns something for one of its
 * output lines; rejects (after killing it) when the child exits first or
 * startTimeoutMs passes, with its output so far.
 *
 * @template T
 * @param {string} cmd
 * @param {string[]} args
 * @param {object} o
 * @param {(line: string, source: "stdout" | "stderr" | "control") => T | undefined} o.ready
 *   called for every complete line; a value other than undefined means ready.
 * @param {(line: string, source: string) => void} [o.onLine] sees every
 *   complete line, before ready does.
 * @param {Record<string, string>} [o.env] added to this process's environment
 * @param {boolean} [o.controlFd] give the child a pipe on fd 3, read as source "control"
 * @param {string} [o.name] for messages (default: cmd)
 * @param {number} [o.startTimeoutMs] default 30 s
 * @param {number} [o.lifetimeMs] hard limit, default 5 min
 * @param {number} [o.stopGraceMs] SIGTERM to SIGKILL in stop, default 5 s
 * @returns {Promise<{value: T, output: () => string, stop: () => Promise<void>, exited: Promise<number | null>}>}
 */
export async function startChild(cmd, args, { ready, onLine = () => {}, env = {}, controlFd = false, name = cmd, startTimeoutMs = 30_000, lifetimeMs = 300_000, stopGraceMs = 5_000 }) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", ...(controlFd ? ["pipe"] : [])],
  });
  let output = "";
  const exited = new Promise((res) => child.once("exit", (code) => res(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), lifetimeMs);
  killer.unref();

  const stop = async () => {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), stopGraceMs);
      await exited;
      clearTimeout(t);
    }
  };

  let settle;
  const readiness = new Promise((res, rej) => (settle = { res, rej }));
  let isReady = false;
  const watch = (stream, source) => {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      if (source !== "control") output += chunk;
      partial += chunk;
      let nl;
      while ((nl = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        onLine(line, source);
        if (isReady) continue;
        const value = ready(line, source);
        if (value !== undefined) {
          isReady = true;
          settle.res(value);
        }
      }
    });
  };
  watch(child.stdout, "stdout");
  watch(child.stderr, "stderr");
  if (controlFd) watch(child.stdio[3], "control");

  const timer = setTimeout(() => settle.rej(new Error(`${name} was not ready within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
  child.once("error", (err) => settle.rej(new Error(`${name} did not start: ${err.message}`)));
  exited.then((code) => settle.rej(new Error(`${name} exited (${code}) before it was ready:\n${output}`)));
  try {
    const value = await readiness;
    return { value, output: () => output, stop, exited };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
