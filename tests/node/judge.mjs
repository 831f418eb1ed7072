// The Go conformance package's corpus loader and judge, compiled to a WASI
// module (tests/cmd/judge), so that the JS runners load vectors and judge
// decisions by the very code the Go harnesses use: a rule of the corpus
// lives in one place, tests/conformance.

import { readFileSync } from "node:fs";

import { createWasi } from "../../edgeauth/js/wasi.mjs";
import { judgePath } from "./module.mjs";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

let judge = null;

// The instance, started on first use (synchronously: runners call check
// from synchronous code).
function instance() {
  if (judge !== null) return judge;
  const module = new WebAssembly.Module(readFileSync(judgePath()));
  const wasi = createWasi();
  const inst = new WebAssembly.Instance(module, wasi.imports);
  wasi.bind(inst.exports.memory);
  inst.exports._initialize();
  judge = inst.exports;
  return judge;
}

// Copies the parts into the judge's input buffer, calls fn with their
// lengths and returns its JSON result, parsed.
function call(fn, ...parts) {
  const ex = instance();
  const bytes = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p));
  const total = bytes.reduce((n, b) => n + b.length, 0);
  let ptr = ex.judge_buffer(total);
  for (const b of bytes) {
    new Uint8Array(ex.memory.buffer, ptr, b.length).set(b);
    ptr += b.length;
  }
  const packed = BigInt.asUintN(64, ex[fn](...bytes.map((b) => b.length)));
  const out = new Uint8Array(ex.memory.buffer, Number(packed >> 32n), Number(packed & 0xffffffffn));
  return JSON.parse(decoder.decode(out));
}

/**
 * Parses one vector file (its bytes) as conformance.Parse does.
 * @returns {{vectors?: object[], error?: string}} conformance.Runnable objects, or Parse's error
 */
export const runnables = (fileBytes) => call("judge_runnables", fileBytes);

/**
 * Judges a decision as conformance.Check does.
 * @param {string} vectorJSON a Runnable's vector
 * @param {string} decisionText the Decision JSON text
 * @returns {string[]} the problems; none means the vector passed
 */
export const checkVector = (vectorJSON, decisionText) => call("judge_check", vectorJSON, decisionText);
