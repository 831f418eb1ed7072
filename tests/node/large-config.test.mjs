// The real module under Node's WASI, through the JS host: a Config with
// 100,000 revocation entries (half jti, half sid) is accepted, twice in a
// row, refuses what it lists, and takes updates on top.
// Run: node --test tests/node/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { EdgeAuth } from "../../edgeauth/js/edgeauth.mjs";
import { largeConfig, requestWith } from "./largeconfig.mjs";
import { modulePath } from "./module.mjs";

test("configure at 100,000 entries and update under node", async (t) => {
  const auth = await EdgeAuth.create(readFileSync(modulePath()));
  const { config, token, jti, sid } = largeConfig(100_000);
  for (const round of [1, 2]) {
    const start = performance.now();
    assert.deepEqual(auth.configure(config), { ok: true });
    t.diagnostic(`configure ${round} of ${config.length} bytes: ${(performance.now() - start).toFixed(0)} ms, memory ${auth.memoryBytes >> 20} MiB`);
  }
  const decide = (claims) => JSON.parse(auth.authorizeJSON(requestWith(token(claims))));
  const revoked = { allow: false, status: 401, error: "invalid_token" };
  const pick = (d) => ({ allow: d.allow, status: d.status, error: d.error });
  assert.deepEqual(pick(decide({ jti: jti(31_337) })), revoked, "a listed jti");
  assert.deepEqual(pick(decide({ sid: sid(49_999) })), revoked, "a listed sid");
  const ok = decide({ sid: "not-listed" });
  assert.equal(ok.allow, true);
  assert.equal(ok.sid, "not-listed");
  assert.equal(decide({}).sid, undefined, "a token without sid has none in its Decision");

  assert.equal(auth.canUpdate, true);
  const times = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    assert.deepEqual(auth.update({ revoked_sessions: [{ sid: `late-${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }] }), { ok: true });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`update of one session over 100,000 entries: median ${times[10].toFixed(3)} ms`);
  assert.deepEqual(pick(decide({ sid: "late-7" })), revoked, "a session revoked by an update");
});
