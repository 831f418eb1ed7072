#!/usr/bin/env node
// Benchmarks the edgeauth module on the JS hosts and prints a table:
//   - per-verify cost of an allowed EdDSA and ES256 check on Node 20
//     (in-process) and on workerd (inside a Worker, timed from outside as a
//     batch of checks minus an empty batch, since timers are frozen inside a
//     Worker). "cold" checks a distinct token each time (the module's
//     verified-token cache misses: parse, signature, claims); "cached"
//     repeats one token (a cache hit: parse and time checks only);
//   - Node: compile time and first-instance time;
//   - the gate's first-request start-up on workerd (config fetch from a stub
//     origin + module instance + one check), against its steady-state latency.
// Keys and tokens are made here with node:crypto, so the numbers do not depend
// on the corpus.
//
// Usage: node tests/workerd/bench.mjs   ($EDGEAUTH_MODULE or a fresh build)
// Medians of a few runs; treat them as orders of magnitude.

import { generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

import { EdgeAuth } from "../../edgeauth/js/edgeauth.mjs";
import { modulePath } from "../node/module.mjs";
import { startConformanceWorker } from "./conformance-server.mjs";
import { startGate } from "./gate-server.mjs";

const N = 100; // distinct tokens per algorithm

const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");

// A config trusting one fresh key per algorithm, and N distinct tokens each.
export function fixtures() {
  const ed = generateKeyPairSync("ed25519");
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = (k, kid, alg) => ({ ...k.publicKey.export({ format: "jwk" }), kid, alg });
  const config = JSON.stringify({
    issuer: "https://issuer.bench",
    audiences: ["bench"],
    keys: { keys: [jwk(ed, "ed", "EdDSA"), jwk(ec, "ec", "ES256")] },
  });
  const now = Math.floor(Date.now() / 1000);
  const token = (alg, kid, key, i) => {
    const input = `${b64({ alg, kid, typ: "at+jwt" })}.${b64({ iss: "https://issuer.bench", aud: "bench", sub: "users/1", scope: "todos:read", iat: now, exp: now + 3600, jti: `bench-${alg}-${i}` })}`;
    const sig = alg === "EdDSA" ? sign(null, Buffer.from(input), key) : sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
    return `${input}.${sig.toString("base64url")}`;
  };
  const requests = (alg, kid, key) =>
    Array.from({ length: N }, (_, i) => JSON.stringify({ method: "GET", path: "/todos", headers: { authorization: [`Bearer ${token(alg, kid, key, i)}`] } }));
  return { config, requests: { EdDSA: requests("EdDSA", "ed", ed.privateKey), ES256: requests("ES256", "ec", ec.privateKey) } };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`);

export async function benchNode(bytes, fx) {
  const out = {};
  let t = performance.now();
  const module = await WebAssembly.compile(bytes);
  out.compile = performance.now() - t;
  t = performance.now();
  const auth = await EdgeAuth.create(module);
  out.firstInstance = performance.now() - t;
  if (!auth.configure(fx.config).ok) throw new Error("node: bench config rejected");
  // CPU time (ms) of the process, beside wall time: on a shared machine
  // wall time includes waiting for a CPU.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (const [alg, reqs] of Object.entries(fx.requests)) {
    const cold = [];
    const coldCpu = [];
    for (let r = 0; r < 5; r++) {
      auth.configure(fx.config); // a new Config empties the token cache
      t = performance.now();
      const c = cpu();
      for (const q of reqs) if (!auth.authorize(q).allow) throw new Error(`node: ${alg} token not allowed`);
      coldCpu.push((cpu() - c) / reqs.length);
      cold.push((performance.now() - t) / reqs.length);
    }
    const cached = [];
    const cachedCpu = [];
    for (let r = 0; r < 5; r++) {
      t = performance.now();
      const c = cpu();
      for (let i = 0; i < 1000; i++) auth.authorize(reqs[0]);
      cachedCpu.push((cpu() - c) / 1000);
      cached.push((performance.now() - t) / 1000);
    }
    out[alg] = { cold: median(cold), cached: median(cached), coldCpu: median(coldCpu), cachedCpu: median(cachedCpu) };
  }
  return out;
}

export async function benchWorkerd(wasmPath, fx) {
  const server = await startConformanceWorker(wasmPath);
  try {
    const post = async (path, body) => {
      const res = await fetch(server.url + path, { method: "POST", body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`workerd ${path}: ${res.status} ${text}`);
      return text;
    };
    const configure = async () => {
      if (!JSON.parse(await post("/configure", fx.config)).ok) throw new Error("workerd: bench config rejected");
    };
    // The time of one batch of `repeat` passes over reqs, minus an empty batch.
    const batch = async (reqs, repeat) => {
      const body = JSON.stringify(reqs);
      let t = performance.now();
      await post("/bench?repeat=0", body);
      const empty = performance.now() - t;
      t = performance.now();
      const r = JSON.parse(await post(`/bench?repeat=${repeat}`, body));
      if (r.allowed !== r.n) throw new Error("workerd: a bench token was not allowed");
      return (performance.now() - t - empty) / r.n;
    };
    await configure();
    await batch(fx.requests.EdDSA.slice(0, 5), 1); // warm-up
    const out = {};
    for (const [alg, reqs] of Object.entries(fx.requests)) {
      const cold = [];
      for (let r = 0; r < 5; r++) {
        await configure(); // empties the token cache
        cold.push(await batch(reqs, 1));
      }
      const cached = [];
      for (let r = 0; r < 5; r++) cached.push(await batch([reqs[0]], 1000));
      out[alg] = { cold: median(cold), cached: median(cached) };
    }
    return out;
  } finally {
    await server.stop();
  }
}

async function benchGateStartup(wasmPath, fx) {
  const stub = http.createServer((req, res) => {
    if (req.url === "/.well-known/edgeauth.json") {
      res.writeHead(200, { "content-type": "application/json", etag: '"bench"' });
      res.end(fx.config);
    } else {
      res.end("ok");
    }
  });
  await new Promise((r) => stub.listen(0, "127.0.0.1", r));
  const authorization = JSON.parse(fx.requests.EdDSA[0]).headers.authorization[0];
  const firsts = [];
  const steady = [];
  try {
    for (let r = 0; r < 3; r++) {
      const gate = await startGate(wasmPath, { origin: `http://127.0.0.1:${stub.address().port}` });
      try {
        const once = async () => {
          const t = performance.now();
          const res = await fetch(gate.url + "/todos", { headers: { authorization } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`gate answered ${res.status}`);
          return performance.now() - t;
        };
        firsts.push(await once());
        const s = [];
        for (let i = 0; i < 20; i++) s.push(await once());
        steady.push(median(s));
      } finally {
        await gate.stop();
      }
    }
  } finally {
    stub.close();
  }
  return { first: median(firsts), steady: median(steady) };
}

// Run as a script; tests/jshosts/bench.mjs and budget.mjs import fixtures,
// benchNode and benchWorkerd.
if (import.meta.url === `file://${process.argv[1]}`) {
  const wasmPath = modulePath();
  const bytes = readFileSync(wasmPath);
  const fx = fixtures();
  const node = await benchNode(bytes, fx);
  const workerd = await benchWorkerd(wasmPath, fx);
  const gate = await benchGateStartup(wasmPath, fx);

  console.log(`edgeauth module: ${(bytes.length / 1e6).toFixed(2)} MB`);
  console.log("per verify of an allowed request (cold: a new token; cached: the same token again)");
  console.log("  alg     node cold   node cached   workerd cold   workerd cached");
  for (const alg of Object.keys(fx.requests)) {
    const c = (x) => fmt(x).padStart(12);
    console.log(`  ${alg.padEnd(6)}${c(node[alg].cold)}${c(node[alg].cached)}  ${c(workerd[alg].cold)}  ${c(workerd[alg].cached)}`);
  }
  console.log(`node: compile ${fmt(node.compile)}, first instance (instantiate + _initialize) ${fmt(node.firstInstance)}`);
  console.log(`gate on workerd: first request ${fmt(gate.first)} (config fetch + instance + check), then ${fmt(gate.steady)} per request (median, loopback, via the stub origin)`);
}
