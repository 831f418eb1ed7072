// Tests of the child-process lifecycle the JS tests share (child.mjs).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { startChild } from "./child.mjs";

// A child running script with node.
const node = (script, o) => startChild(process.execPath, ["-e", script], { name: "child", ...o });

// The script's "ready <n>" line on either stream.
const readyLine = (line) => (line.startsWith("ready ") ? Number(line.slice(6)) : undefined);

describe("startChild", () => {
  test("resolves with what ready returned and stops the child", async () => {
    const seen = [];
    const c = await node('console.log("hello"); console.error("ready 42"); setInterval(() => {}, 1000)', { ready: readyLine, onLine: (l, s) => seen.push(`${s}: ${l}`) });
    assert.equal(c.value, 42);
    assert.deepEqual(seen.sort(), ["stderr: ready 42", "stdout: hello"]);
    assert.match(c.output(), /hello/);
    await c.stop();
    assert.notEqual(await c.exited, undefined);
  });
  test("reads a control pipe on fd 3", async () => {
    const c = await node('require("fs").writeSync(3, "ready 7\\n"); setInterval(() => {}, 1000)', { ready: (l, s) => (s === "control" ? readyLine(l) : undefined), controlFd: true });
    assert.equal(c.value, 7);
    await c.stop();
  });
  test("rejects with the output when the child exits first", async () => {
    await assert.rejects(node('console.log("dying"); process.exit(3)', { ready: readyLine }), /child exited \(3\) before it was ready:\ndying/);
  });
  test("rejects and kills a child that is never ready", async () => {
    let pid = null;
    await assert.rejects(
      node("console.log(process.pid); setInterval(() => {}, 1000)", { ready: readyLine, onLine: (l) => (pid = Number(l)), startTimeoutMs: 1000 }),
      /was not ready within 1000 ms/,
    );
    assert.ok(pid > 0);
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, "the child is still running");
  });
  test("kills a child that ignores SIGTERM after the grace period", async () => {
    const c = await node('process.on("SIGTERM", () => {}); console.log("ready 1"); setInterval(() => {}, 1000)', { ready: readyLine, stopGraceMs: 100 });
    await c.stop();
    assert.equal(await c.exited, null, "killed by a signal, not exited");
  });
});
