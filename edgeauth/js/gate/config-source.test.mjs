// Tests of the gate's config cache with a fake origin and a fake clock.
// Run: node --test edgeauth/js/
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ConfigSource } from "./config-source.mjs";

const doc = (...kids) => JSON.stringify({ issuer: "i", keys: { keys: kids.map((kid) => ({ kid })) } });

// A fake origin: answers with `body` and `etag`, honours If-None-Match,
// records requests, and can be taken down.
function fakeOrigin() {
  const o = {
    body: doc("k1"),
    etag: '"v1"',
    down: false,
    status: 200,
    requests: [],
    fetch: async (url, init) => {
      o.requests.push({ url, ifNoneMatch: init.headers["if-none-match"] ?? null, authorization: init.headers.authorization ?? null });
      if (o.down) throw new TypeError("connection refused");
      if (o.status !== 200) return new Response("nope", { status: o.status });
      if (init.headers["if-none-match"] === o.etag) return new Response(null, { status: 304 });
      return new Response(o.body, { status: 200, headers: { etag: o.etag } });
    },
  };
  return o;
}

function setup(opts = {}) {
  const origin = fakeOrigin();
  const clock = { t: 1_000_000 };
  const accepted = [];
  const src = new ConfigSource({
    url: "http://origin.test/.well-known/edgeauth.json",
    fetch: origin.fetch,
    now: () => clock.t,
    ttlMs: 30_000,
    kidCooldownMs: 10_000,
    retryMs: 5_000,
    accept: (json) => {
      accepted.push(json);
      return JSON.parse(json).issuer === "i" ? { ok: true } : { ok: false, error: "bad issuer" };
    },
    ...opts,
  });
  return { origin, clock, src, accepted };
}

describe("ConfigSource", () => {
  test("the edge config token goes with every fetch, and nothing without one", async () => {
    const { origin, clock, src } = setup({ token: "t0k3n" });
    await src.current();
    clock.t += 30_000;
    await src.current();
    assert.deepEqual(origin.requests.map((r) => r.authorization), ["Bearer t0k3n", "Bearer t0k3n"]);
    const bare = setup();
    await bare.src.current();
    assert.equal(bare.origin.requests[0].authorization, null);
  });

  test("first call fetches; within the TTL nothing is fetched again", async () => {
    const { origin, clock, src, accepted } = setup();
    const c = await src.current();
    assert.equal(c.json, doc("k1"));
    assert.equal(c.etag, '"v1"');
    clock.t += 29_999;
    await src.current();
    assert.equal(origin.requests.length, 1);
    assert.equal(accepted.length, 1);
  });

  test("after the TTL it revalidates with If-None-Match; 304 keeps the copy", async () => {
    const { origin, clock, src, accepted } = setup();
    const first = await src.current();
    clock.t += 30_000;
    assert.equal(await src.current(), first);
    assert.deepEqual(
      origin.requests.map((r) => r.ifNoneMatch),
      [null, '"v1"'],
    );
    assert.equal(accepted.length, 1, "a 304 is not re-applied");
    assert.equal(src.stats.notModified, 1);
    clock.t += 29_999;
    await src.current();
    assert.equal(origin.requests.length, 2, "a 304 restarts the TTL");
  });

  test("a changed ETag replaces the copy", async () => {
    const { origin, clock, src } = setup();
    await src.current();
    origin.body = doc("k2");
    origin.etag = '"v2"';
    clock.t += 30_000;
    const c = await src.current();
    assert.equal(c.etag, '"v2"');
    assert.ok(src.knows("k2"));
    assert.ok(!src.knows("k1"));
  });

  const failures = [
    { name: "origin down", breakIt: (o) => (o.down = true) },
    { name: "origin 500", breakIt: (o) => (o.status = 500) },
    { name: "not JSON", breakIt: (o) => ((o.body = "<html>"), (o.etag = '"x"')) },
    { name: "no key set", breakIt: (o) => ((o.body = '{"issuer":"i"}'), (o.etag = '"x"')) },
    { name: "rejected by the module", breakIt: (o) => ((o.body = JSON.stringify({ issuer: "j", keys: { keys: [] } })), (o.etag = '"x"')) },
  ];
  for (const f of failures) {
    test(`${f.name}: the last good copy stays, retried after the retry interval`, async () => {
      const { origin, clock, src } = setup();
      const good = await src.current();
      f.breakIt(origin);
      clock.t += 30_000;
      assert.equal(await src.current(), good);
      assert.equal(src.stats.failures, 1);
      clock.t += 4_999;
      await src.current();
      assert.equal(origin.requests.length, 2, "no retry before the retry interval");
      clock.t += 1;
      await src.current();
      assert.equal(origin.requests.length, 3);
    });
  }

  test("no copy at all while the origin was never reachable", async () => {
    const { origin, src } = setup();
    origin.down = true;
    assert.equal(await src.current(), null);
    assert.equal(src.knows("k1"), false);
  });

  test("an unknown kid refreshes at once, then at most once per cool-down", async () => {
    const { origin, clock, src } = setup();
    await src.current();
    origin.body = doc("k1", "k2");
    origin.etag = '"v2"';
    clock.t += 1_000;
    assert.equal(await src.refreshForUnknownKid(), true);
    assert.ok(src.knows("k2"));
    // A flood of made-up kids within the cool-down costs nothing.
    for (let i = 0; i < 100; i++) {
      clock.t += 10;
      assert.equal(await src.refreshForUnknownKid(), false);
    }
    assert.equal(origin.requests.length, 2);
    clock.t += 10_000;
    assert.equal(await src.refreshForUnknownKid(), false, "unchanged (304) is not a change");
    assert.equal(origin.requests.length, 3);
  });

  test("concurrent callers share one fetch", async () => {
    const { origin, src } = setup();
    const all = await Promise.all(Array.from({ length: 20 }, () => src.current()));
    assert.equal(origin.requests.length, 1);
    assert.ok(all.every((c) => c === all[0]));
  });
});
