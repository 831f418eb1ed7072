// The gate names the client to the origin: X-Forwarded-For is the address
// workerd saw the connection come from, and whatever address headers the
// client sent are gone. Two gates on workerd: one in front of a stub that
// records what reaches it (the config it serves comes from a real origin),
// one in front of a real origin that trusts the gate's address as a proxy,
// where a client rotating a forged X-Forwarded-For is still rate-limited.
// Run: node --test tests/workerd/
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";

import { modulePath } from "../node/module.mjs";
import { startGate } from "./gate-server.mjs";
import { buildOrigin, originEnv, startOrigin } from "./origin-process.mjs";

let origin;
let stub;
let toStub;
let toOrigin;
const seen = [];

before(async () => {
  const wasm = modulePath();
  // The gates connect from loopback: that is their egress, listed as a
  // trusted proxy as DEPLOY.md says.
  // Three attempts per account and address at once.
  origin = await startOrigin(buildOrigin(), originEnv(wasm, { RATE_LIMIT_TRUSTED_PROXIES: "127.0.0.1/32", RATE_LIMIT_ACCOUNT_CLIENT_BURST: "3" }));
  stub = http.createServer(async (req, res) => {
    if (req.url === "/.well-known/edgeauth.json") {
      const r = await fetch(origin.url + req.url);
      res.writeHead(r.status, { "content-type": "application/json", etag: r.headers.get("etag") ?? '"x"' });
      res.end(await r.text());
      return;
    }
    seen.push(req.headers);
    res.end("ok");
  });
  await new Promise((r) => stub.listen(0, "127.0.0.1", r));
  toStub = await startGate(wasm, { origin: `http://127.0.0.1:${stub.address().port}` });
  toOrigin = await startGate(wasm, { origin: origin.url });
});
after(async () => {
  await toStub?.stop();
  await toOrigin?.stop();
  stub?.close();
  await origin?.stop();
});

const forged = {
  "x-forwarded-for": "203.0.113.9, 10.0.0.1",
  "x-real-ip": "203.0.113.10",
  forwarded: "for=203.0.113.11",
  "cf-connecting-ip": "203.0.113.12",
  "true-client-ip": "203.0.113.13",
};

test("forged address headers are replaced by the connection's address", async () => {
  const res = await fetch(`${toStub.url}/healthz`, { headers: forged, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, await res.text());
  assert.equal(seen.length, 1);
  const h = seen[0];
  assert.equal(h["x-forwarded-for"], "127.0.0.1");
  for (const name of ["x-real-ip", "forwarded", "cf-connecting-ip", "true-client-ip"]) {
    assert.equal(h[name], undefined, `${name} reached the origin`);
  }
});

test("a client rotating a forged X-Forwarded-For is rate-limited by its real address", async () => {
  const post = (path, body, xff) =>
    fetch(toOrigin.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(xff ? { "x-forwarded-for": xff } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  const created = await post("/users", { email: "forger@example.test", password: "correct horse", name: "F" });
  assert.equal(created.status, 201, await created.text());
  const statuses = [];
  for (let i = 0; i < 15 && !statuses.includes(429); i++) {
    const r = await post("/authenticate", { email: "forger@example.test", password: "wrong guess" }, `203.0.113.${i + 1}`);
    await r.arrayBuffer();
    statuses.push(r.status);
  }
  assert.ok(statuses.includes(429), `15 guesses with forged addresses, no 429: ${statuses.join(" ")}`);
  // The sign-up and two guesses used the three attempts.
  assert.equal(statuses.indexOf(429), 2, `the limit came late: ${statuses.join(" ")}`);
});
