// End to end: the real origin on loopback, the Workers gate on workerd in
// front of it, and a client that only talks to the gate.
//   - a user is created, authenticates and works with todos through the gate;
//   - bad tokens, missing tokens and another user's token are stopped at the
//     gate: every request carries a unique X-Request-ID, and the origin's
//     access log (one "request" line per request, with its request_id) proves
//     which requests reached it;
//   - a key rotation (`origin keys rotate`, a second process) is picked up
//     by the gate at the first token with the new kid;
//   - a logout (DELETE /authenticate) is honoured by the gate itself within
//     its refresh window (CONFIG_TTL_SECONDS), because it presents the
//     origin's edge config token and so gets the revoked sessions; a gate
//     without the token gets the public config and leaves logouts to the
//     origin;
//   - a refresh (POST /authenticate/refresh, a public route) goes through.
// Run: node --test tests/workerd/
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { modulePath } from "../node/module.mjs";
import { startGate } from "./gate-server.mjs";
import { buildOrigin, originEnv, runOriginCommand, startOrigin } from "./origin-process.mjs";

const TTL_SECONDS = 1;
const EDGE_TOKEN = "an-edge-config-token-for-the-e2e-test-0123456789";
let origin;
let gate;
let bin;
let env;

before(async () => {
  const wasm = modulePath();
  bin = buildOrigin();
  env = originEnv(wasm, { EDGE_CONFIG_TOKEN: EDGE_TOKEN });
  origin = await startOrigin(bin, env);
  gate = await startGate(wasm, { origin: origin.url, ttlSeconds: TTL_SECONDS, kidCooldownSeconds: 1, retrySeconds: 1, configToken: EDGE_TOKEN });
});
after(async () => {
  await gate?.stop();
  await origin?.stop();
});

// A request through the gate (or another one, via), tagged with a fresh
// request id.
async function call(method, path, { token, body, headers = {}, via = gate } = {}) {
  const id = `e2e-${randomUUID()}`;
  const h = { "x-request-id": id, ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(via.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (204)
  }
  return { id, status: res.status, headers: res.headers, json };
}

const isRequest = (id) => (l) => l.msg === "request" && l.request_id === id;

// Waits for the origin's log line of request id (it follows the answer).
async function assertReached(id) {
  await origin.waitLog(isRequest(id)).catch(() => assert.fail(`request ${id} should have reached the origin`));
}

// A stopped request must leave no log line at the origin: a public request
// sent after it (through the same gate) is waited for, and by then the
// origin would have logged the stopped one too.
async function assertStoppedAtGate(r, status, error) {
  assert.equal(r.status, status);
  assert.equal(r.headers.get("content-type"), "application/problem+json");
  if (error) assert.equal(r.json.error, error);
  const marker = await call("GET", "/healthz");
  assert.equal(marker.status, 200);
  await assertReached(marker.id);
  assert.ok(!origin.logs().some(isRequest(r.id)), `request ${r.id} must not reach the origin`);
}

const kidOf = (token) => JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid;

async function signUp(email) {
  const u = await call("POST", "/users", { body: { email, password: "correct horse", name: "E2E" } });
  assert.equal(u.status, 201, JSON.stringify(u.json));
  await assertReached(u.id);
  const a = await call("POST", "/authenticate", { body: { email, password: "correct horse" } });
  assert.equal(a.status, 200, JSON.stringify(a.json));
  return { id: u.json.id, token: a.json.token, refresh: a.json.refresh_token };
}

test("gate end to end", async (t) => {
  const alice = await signUp("alice@example.test");
  const bob = await signUp("bob@example.test");

  await t.test("a user works with todos through the gate", async () => {
    const created = await call("POST", `/users/${alice.id}/todos`, { token: alice.token, body: { title: "ship the gate" } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    await assertReached(created.id);
    const list = await call("GET", `/users/${alice.id}/todos`, { token: alice.token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.todos.map((x) => x.title), ["ship the gate"]);
    const me = await call("GET", `/users/${alice.id}`, { token: alice.token });
    assert.equal(me.status, 200);
    assert.equal(me.json.email, "alice@example.test");
  });

  await t.test("bad requests are stopped at the gate", async () => {
    const noToken = await call("GET", `/users/${alice.id}/todos`);
    await assertStoppedAtGate(noToken, 401);
    assert.match(noToken.headers.get("www-authenticate"), /^Bearer realm="/);
    // The challenge names the origin's metadata (its issuer follows its
    // listener), which the gate forwards as a public route.
    const metadata = `${origin.url}/.well-known/oauth-protected-resource`;
    assert.ok(noToken.headers.get("www-authenticate").endsWith(`, resource_metadata="${metadata}"`), noToken.headers.get("www-authenticate"));
    const pr = await call("GET", "/.well-known/oauth-protected-resource");
    assert.equal(pr.status, 200);
    assert.equal(pr.json.resource, origin.url);
    const garbage = await call("GET", `/users/${alice.id}/todos`, { token: "not.a.token" });
    await assertStoppedAtGate(garbage, 401, "invalid_token");
    assert.match(garbage.headers.get("www-authenticate"), /error="invalid_token"/);
    const tampered = await call("GET", `/users/${alice.id}/todos`, { token: alice.token.slice(0, -4) + "AAAA" });
    await assertStoppedAtGate(tampered, 401, "invalid_token");
    await assertStoppedAtGate(await call("GET", `/users/${alice.id}/todos`, { token: bob.token }), 404, "not_found");
    await assertStoppedAtGate(await call("GET", "/users/1/todos", { headers: { authorization: "Basic YTpi" } }), 400, "invalid_request");
  });

  await t.test("a client cannot claim an identity with X-Auth-* headers", async () => {
    const r = await call("GET", `/users/${alice.id}/todos`, { headers: { "x-auth-subject": `users/${alice.id}`, "x-auth-scopes": "todos:read" } });
    await assertStoppedAtGate(r, 401);
  });

  await t.test("a key rotation at the origin is picked up at the new kid", async (tt) => {
    // A second gate whose TTL outlasts the test: only the unknown-kid
    // refresh can teach it the new key.
    const slow = await startGate(modulePath(), { origin: origin.url, ttlSeconds: 300, kidCooldownSeconds: 1, retrySeconds: 1, configToken: EDGE_TOKEN });
    tt.after(() => slow.stop());
    assert.equal((await call("GET", `/users/${alice.id}/todos`, { token: alice.token, via: slow })).status, 200);
    const oldKid = kidOf(alice.token);
    runOriginCommand(bin, env, ["keys", "rotate"]);
    // The running origin picks the rotation up by polling; log in until a
    // token signed with the new key comes back.
    let fresh = null;
    for (let i = 0; i < 50 && fresh === null; i++) {
      const a = await call("POST", "/authenticate", { body: { email: "alice@example.test", password: "correct horse" } });
      assert.equal(a.status, 200);
      if (kidOf(a.json.token) !== oldKid) fresh = a.json.token;
      else await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(fresh, "the origin never issued a token with a new kid");
    for (const via of [gate, slow]) {
      const r = await call("GET", `/users/${alice.id}/todos`, { token: fresh, via });
      assert.equal(r.status, 200, `new-kid token refused at the gate: ${JSON.stringify(r.json)}`);
      await assertReached(r.id);
    }
    const old = await call("GET", `/users/${alice.id}/todos`, { token: alice.token });
    assert.equal(old.status, 200, "a token of the retiring key keeps working until it expires");
  });

  await t.test("a refresh goes through the gate, and its token works there", async () => {
    const r = await call("POST", "/authenticate/refresh", { body: { refresh_token: alice.refresh } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await assertReached(r.id);
    assert.notEqual(r.json.refresh_token, alice.refresh);
    assert.equal((await call("GET", `/users/${alice.id}`, { token: r.json.token })).status, 200);
    alice.refresh = r.json.refresh_token;
  });

  await t.test("a logout at the origin is honoured by the gate within its refresh window", async () => {
    const a = await call("POST", "/authenticate", { body: { email: "bob@example.test", password: "correct horse" } });
    const token = a.json.token;
    assert.equal((await call("GET", `/users/${bob.id}`, { token })).status, 200);
    const out = await call("DELETE", "/authenticate", { token });
    assert.equal(out.status, 204);
    const loggedOutAt = Date.now();
    // Within the window the gate may still forward (and the origin refuses);
    // then the gate itself refuses. Each try waits for a marker request's
    // log line, after which the origin would have logged the try too.
    for (;;) {
      const r = await call("GET", `/users/${bob.id}`, { token });
      assert.equal(r.status, 401);
      const marker = await call("GET", "/healthz");
      await assertReached(marker.id);
      if (!origin.logs().some(isRequest(r.id))) {
        assert.equal(r.json.error, "invalid_token");
        break;
      }
      assert.ok(Date.now() - loggedOutAt < (TTL_SECONDS + 3) * 1000, "the gate never refused the logged-out token itself");
    }
    t.diagnostic(`logout refused at the gate itself ${Date.now() - loggedOutAt} ms after its 204 (CONFIG_TTL_SECONDS=${TTL_SECONDS})`);
  });

  await t.test("a gate without the edge config token leaves logouts to the origin", async (tt) => {
    const bare = await startGate(modulePath(), { origin: origin.url, ttlSeconds: TTL_SECONDS, kidCooldownSeconds: 1, retrySeconds: 1 });
    tt.after(() => bare.stop());
    const a = await call("POST", "/authenticate", { body: { email: "bob@example.test", password: "correct horse" } });
    const token = a.json.token;
    assert.equal((await call("GET", `/users/${bob.id}`, { token, via: bare })).status, 200);
    assert.equal((await call("DELETE", "/authenticate", { token, via: bare })).status, 204);
    // For well past its TTL the gate keeps forwarding the token (it got no
    // revocations), and the origin keeps refusing it.
    const loggedOutAt = Date.now();
    while (Date.now() - loggedOutAt < (2 * TTL_SECONDS + 1) * 1000) {
      const r = await call("GET", `/users/${bob.id}`, { token, via: bare });
      assert.equal(r.status, 401);
      await assertReached(r.id);
    }
  });
});
