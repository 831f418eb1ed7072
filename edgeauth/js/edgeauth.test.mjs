// Tests of the ABI v1 host adapter, on a Go reactor built from
// testdata/reactor (calling convention, traps, clock, random, buffers) and on
// hand-made modules that break the ABI. Run: node --test edgeauth/js/
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { EdgeAuth, EdgeAuthError, ErrorCode, failClosedDecision } from "./edgeauth.mjs";
import { buildReactor } from "./testdata/gobuild.mjs";
import { I32, fakeABIModule, op } from "./testdata/wasmbuilder.mjs";

let reactor; // WebAssembly.Module
before(async () => {
  reactor = await WebAssembly.compile(buildReactor("./edgeauth/js/testdata/reactor"));
});

const good = { method: "GET", path: "/x", headers: { authorization: ["Bearer good"] } };

async function configured(options) {
  const auth = await EdgeAuth.create(reactor, options);
  assert.deepEqual(auth.configure({ issuer: "https://issuer.test" }), { ok: true });
  return auth;
}

describe("create", () => {
  const cases = [
    { name: "an empty module is not ABI v1", bytes: () => new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), code: ErrorCode.NOT_ABI_V1 },
    { name: "ABI version 2 is refused", bytes: () => fakeABIModule({ version: 2 }), code: ErrorCode.NOT_ABI_V1 },
    {
      name: "a foreign import is refused before start",
      bytes: () => fakeABIModule({ imports: [{ module: "env", name: "fetch", params: [], results: [] }] }),
      code: ErrorCode.UNSUPPORTED_IMPORT,
    },
    {
      name: "a WASI import the shim lacks is refused",
      bytes: () => fakeABIModule({ imports: [{ module: "wasi_snapshot_preview1", name: "sock_accept", params: [I32], results: [I32] }] }),
      code: ErrorCode.UNSUPPORTED_IMPORT,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      await assert.rejects(EdgeAuth.create(c.bytes()), (e) => e instanceof EdgeAuthError && e.code === c.code);
    });
  }
  test("accepts bytes or a compiled module", async () => {
    const fromModule = await EdgeAuth.create(reactor);
    assert.equal(fromModule.starts, 1);
    const fromBytes = await EdgeAuth.create(fakeABIModule());
    assert.equal(fromBytes.configure("{}").ok, true);
  });
});

describe("configure", () => {
  test("before any config every request is denied", async () => {
    const auth = await EdgeAuth.create(reactor);
    const d = auth.authorize(good);
    assert.equal(d.allow, false);
    assert.equal(d.status, 401);
  });
  test("a rejected config leaves the previous one in force", async () => {
    const auth = await configured();
    const r = auth.configure('{"issuer":""}');
    assert.equal(r.ok, false);
    assert.match(r.error, /issuer/);
    assert.equal(auth.authorize({ method: "GET", path: "/config" }).subject, '{"issuer":"https://issuer.test"}');
  });
  test("a result without ok is a failure", async () => {
    const auth = await EdgeAuth.create(fakeABIModule({ output: '{"fine":1}' }));
    assert.equal(auth.configure("{}").ok, false);
  });
});

describe("update", () => {
  const configOf = (auth) => auth.authorize({ method: "GET", path: "/config" }).subject;
  test("a module without edgeauth_update answers unsupported and changes nothing", async () => {
    const auth = await EdgeAuth.create(fakeABIModule());
    assert.equal(auth.canUpdate, false);
    const r = auth.update({ revoked: [] });
    assert.equal(r.ok, false);
    assert.equal(r.unsupported, true);
  });
  test("an accepted update reaches the module; a rejected one changes nothing", async () => {
    const auth = await configured();
    assert.equal(auth.canUpdate, true);
    assert.deepEqual(auth.update('{"n":1}'), { ok: true });
    const r = auth.update({ reject: true });
    assert.equal(r.ok, false);
    assert.equal(r.unsupported, undefined);
    assert.equal(configOf(auth), '{"issuer":"https://issuer.test"}+{"n":1}');
  });
  test("a fresh instance gets the config and every update since, in order", async () => {
    const auth = await configured();
    auth.update('{"n":1}');
    auth.update({ n: 2 });
    auth.update({ reject: true });
    assert.equal(auth.authorize({ method: "GET", path: "/trap" }).status, 500);
    assert.equal(configOf(auth), '{"issuer":"https://issuer.test"}+{"n":1}+{"n":2}');
    assert.equal(auth.starts, 2);
  });
  test("configure drops the updates before it", async () => {
    const auth = await configured();
    auth.update({ n: 1 });
    assert.deepEqual(auth.configure({ issuer: "second" }), { ok: true });
    auth.authorize({ method: "GET", path: "/trap" });
    assert.equal(configOf(auth), '{"issuer":"second"}');
  });
  test("past the replay bound it answers unsupported until a configure", async () => {
    const auth = await configured();
    const big = JSON.stringify({ pad: "x".repeat(1 << 20) });
    let r;
    for (let i = 0; i < 5 && (r = auth.update(big)).ok; i++);
    assert.equal(r.ok, false);
    assert.equal(r.unsupported, true);
    auth.configure({ issuer: "again" });
    assert.deepEqual(auth.update({ n: 1 }), { ok: true });
  });
});

describe("authorize", () => {
  test("allows and denies by the module's decision", async () => {
    const auth = await configured();
    assert.deepEqual(auth.authorize(good), { allow: true, status: 200, subject: "users/1", scopes: ["todos:read"] });
    const d = auth.authorize({ ...good, headers: { authorization: ["Bearer bad"] } });
    assert.equal(d.allow, false);
    assert.equal(d.status, 401);
    assert.equal(d.error, "invalid_token");
  });
  test("members the adapter does not check, such as reason, pass through", async () => {
    const out = '{"allow":false,"status":401,"error":"invalid_token","reason":"expired","later":{"x":[1]}}';
    const auth = await EdgeAuth.create(fakeABIModule({ output: out }));
    assert.deepEqual(auth.authorize(good), JSON.parse(out));
  });
  test("the request reaches the module intact, whatever its size and script", async () => {
    const auth = await configured();
    for (const n of [0, 10, 5000, 300000]) {
      const req = { method: "GET", path: "/echo", headers: { authorization: ["Bearer " + "é😀a".repeat(n)] } };
      assert.deepEqual(JSON.parse(auth.authorize(req).subject), req, `size ${n}`);
    }
  });
  test("an output larger than any input is read whole", async () => {
    const auth = await configured();
    assert.equal(auth.authorize({ method: "GET", path: "/big" }).subject.length, 200 << 10);
  });
  test("the module reads the host clock", async () => {
    const auth = await configured({ now: () => 1_800_000_000_500 });
    assert.equal(auth.authorize({ method: "GET", path: "/clock" }).expires_at, 1_800_000_000);
  });
  test("the module reads the host's random source", async () => {
    const auth = await configured();
    const a = auth.authorize({ method: "GET", path: "/random" }).subject;
    const b = auth.authorize({ method: "GET", path: "/random" }).subject;
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, b);
  });
  test("a sleep in the module ends even with a frozen clock", async () => {
    const auth = await configured({ now: () => 1_800_000_000_000 });
    assert.equal(auth.authorize({ method: "GET", path: "/sleep" }).allow, true);
  });
});

describe("failing closed", () => {
  test("a trap denies with 500, then a fresh instance gets the last config", async () => {
    let stderr = "";
    const auth = await configured({ output: (fd, b) => (stderr += new TextDecoder().decode(b)) });
    assert.deepEqual(auth.authorize({ method: "GET", path: "/trap" }), failClosedDecision());
    assert.match(stderr, /panic: trap requested/);
    assert.equal(auth.starts, 1, "restart is lazy");
    assert.equal(auth.authorize({ method: "GET", path: "/config" }).subject, '{"issuer":"https://issuer.test"}');
    assert.equal(auth.starts, 2);
    assert.equal(auth.authorize(good).allow, true);
  });
  test("a metered module that loops forever costs one request", async () => {
    const metered = await WebAssembly.compile(buildReactor("./edgeauth/js/testdata/reactor", { metered: true }));
    const auth = await EdgeAuth.create(metered, { fuel: 1n << 24n });
    assert.equal(auth.configure({ issuer: "https://issuer.test" }).ok, true);
    assert.throws(() => auth.authorizeJSON('{"method":"GET","path":"/loop"}'), (err) => err.code === ErrorCode.TRAPPED && /ran out of fuel/.test(err.message));
    assert.deepEqual(auth.authorize({ method: "GET", path: "/loop" }), failClosedDecision());
    assert.equal(auth.authorize(good).allow, true, "the next request is served by a fresh instance");
    assert.equal(auth.starts, 3);
  });
  test("a trap before any config leaves it unconfigured", async () => {
    const auth = await EdgeAuth.create(reactor);
    assert.equal(auth.authorize({ method: "GET", path: "/trap" }).status, 500);
    assert.equal(auth.authorize(good).status, 401);
  });
  const bad = [
    { name: "out-of-bounds output", mod: () => fakeABIModule({ packed: (65530n << 32n) | 100n }) },
    { name: "output that is not JSON", mod: () => fakeABIModule({ output: "{not json" }) },
    { name: "output that is not UTF-8", mod: () => fakeABIModule({ output: new Uint8Array([...new TextEncoder().encode('{"allow":true,"status":200,"s":"'), 0xff, 0x22, 0x7d]) }) },
    { name: "a decision without allow", mod: () => fakeABIModule({ output: '{"status":200}' }) },
    { name: "allow with a string", mod: () => fakeABIModule({ output: '{"allow":"true","status":200}' }) },
    { name: "allow with a non-200 status", mod: () => fakeABIModule({ output: '{"allow":true,"status":401}' }) },
    { name: "an unreachable trap", mod: () => fakeABIModule({ authorizeBody: op.unreachable }) },
  ];
  for (const c of bad) {
    test(c.name + " is a denial", async () => {
      const auth = await EdgeAuth.create(c.mod());
      const d = auth.authorize(good);
      assert.equal(d.allow, false);
      assert.equal(d.status, 500);
    });
  }
});
