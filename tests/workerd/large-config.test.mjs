// The real module inside workerd: a Config with 100,000 revocation entries
// (half jti, half sid), sent to a Worker over loopback HTTP, is accepted
// twice in a row, refuses what it lists, and takes updates on top.
// Run: node --test tests/workerd/
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { largeConfig, requestWith } from "../node/largeconfig.mjs";
import { modulePath } from "../node/module.mjs";
import { startConformanceWorker } from "./conformance-server.mjs";

let server;
before(async () => {
  server = await startConformanceWorker(modulePath());
});
after(() => server?.stop());

async function call(path, body) {
  const res = await fetch(`${server.url}${path}?i=large`, { method: "POST", body, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`workerd ${path}: ${res.status} ${text}`);
  return { json: JSON.parse(text), memory: Number(res.headers.get("x-memory-bytes")) };
}

test("configure at 100,000 entries and update under workerd", async (t) => {
  const { config, token, jti, sid } = largeConfig(100_000);
  await call("/authorize", requestWith(token({}))); // start the instance outside the timing
  for (const round of [1, 2]) {
    const start = performance.now();
    const { json, memory } = await call("/configure", config);
    assert.deepEqual(json, { ok: true });
    t.diagnostic(`configure ${round} of ${config.length} bytes (round trip): ${(performance.now() - start).toFixed(0)} ms, memory ${memory >> 20} MiB`);
  }
  const decide = async (claims) => {
    const { json } = await call("/authorize", requestWith(token(claims)));
    return { allow: json.allow, status: json.status, error: json.error, sid: json.sid };
  };
  const revoked = { allow: false, status: 401, error: "invalid_token", sid: undefined };
  assert.deepEqual(await decide({ jti: jti(12_345) }), revoked, "a listed jti");
  assert.deepEqual(await decide({ sid: sid(0) }), revoked, "a listed sid");
  assert.deepEqual(await decide({ sid: "not-listed" }), { allow: true, status: 200, error: undefined, sid: "not-listed" });
  const start = performance.now();
  const { json } = await call("/update", JSON.stringify({ revoked_sessions: [{ sid: "not-listed", exp: Math.floor(Date.now() / 1000) + 3600 }] }));
  t.diagnostic(`update of one session (round trip): ${(performance.now() - start).toFixed(1)} ms`);
  assert.deepEqual(json, { ok: true });
  assert.deepEqual(await decide({ sid: "not-listed" }), revoked, "a session revoked by an update");
});
