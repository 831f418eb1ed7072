// The conformance corpus for JS runners. Loading the vector files and
// judging decisions are the Go package tests/conformance itself, run as a
// WASI module (judge.mjs), so the JS runners apply exactly the Go harnesses'
// rules (tests/testdata/conformance/README.md); only the driving of an
// engine (decide) is JS, as it awaits the host.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { checkVector, runnables } from "./judge.mjs";
import { repoRoot } from "./module.mjs";

export { repoRoot };

/** Where the corpus lives. */
export const corpusDir = join(repoRoot, "tests/testdata/conformance");

/** Where runners record their decisions, one file per host. */
export const recordDir = join(repoRoot, "build/conformance");

/** A malformed corpus (conformance.ErrCorpus). */
export class CorpusError extends Error {
  constructor(message) {
    super(message);
    this.name = "CorpusError";
  }
}

/**
 * Loads every *.json file of dir, sorted by name, as
 * {name, vectors: [{name, source, config, configKey, configError,
 * previousConfig, previousKey, request, vector}]} where config,
 * previousConfig (null when none) and request are the exact bytes to hand
 * the engine, and vector is the vector's JSON for check.
 * @param {string} [dir]
 */
export function loadCorpus(dir = corpusDir) {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort();
  if (names.length === 0) throw new CorpusError(`no *.json files in ${dir}`);
  return names.map((n) => {
    const r = runnables(readFileSync(join(dir, n)));
    if (r.error !== undefined) throw new CorpusError(`${n}: ${r.error}`);
    const vectors = r.vectors.map((v) => ({
      name: v.name,
      source: v.source,
      config: v.config,
      configKey: v.config_key,
      configError: v.config_error,
      previousConfig: v.previous_config,
      previousKey: v.previous_key,
      request: v.request,
      vector: v.vector,
    }));
    return { name: n.slice(0, -5), vectors };
  });
}

/** The total number of vectors in files. */
export const countVectors = (files) => files.reduce((n, f) => n + f.vectors.length, 0);

/**
 * Configures the right engine for v and returns its Decision text, like Go's
 * conformance.Decide. An engine is {configure(text) -> Promise<{ok, error}>,
 * authorize(text) -> Promise<string>}; fresh() returns one that never
 * accepted a config. state.current names the config the main engine holds.
 */
export async function decide(v, engines, state) {
  const { main, fresh } = engines;
  if (!v.configError) {
    if (v.configKey === "" || v.configKey !== state.current) {
      state.current = "";
      const r = await main.configure(v.config);
      if (!r.ok) throw new Error(`configure rejected a valid config: ${r.error}`);
      state.current = v.configKey;
    }
    return main.authorize(v.request);
  }
  let eng = main;
  if (v.previousConfig === null) {
    eng = await fresh();
  } else {
    state.current = "";
    const r = await eng.configure(v.previousConfig);
    if (!r.ok) throw new Error(`configure rejected the valid previous_config: ${r.error}`);
    state.current = v.previousKey;
  }
  const r = await eng.configure(v.config);
  if (r.ok) {
    state.current = "";
    throw new Error(`configure accepted a config it must reject: ${v.config}`);
  }
  return eng.authorize(v.request);
}

/**
 * Judges one Decision text against a vector: conformance.Check's problems,
 * none when it passed.
 * @returns {string[]}
 */
export const check = (v, decisionText) => checkVector(v.vector, decisionText);
