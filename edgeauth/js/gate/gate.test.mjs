// Tests of the gate's request handling under Node, with the test reactor in
// place of the real module (it allows exactly "Bearer good", as users/1 with
// scope todos:read, and traps on /trap) and a fake origin behind a fake fetch.
// The real module and a real origin are exercised by tests/workerd.
// Run: node --test edgeauth/js/
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { buildReactor } from "../testdata/gobuild.mjs";
import { CLIENT_ADDRESS_HEADERS, clientAddress, createGate, parseSettings, resourceMetadataURL, tokenKid, withResourceMetadata } from "./gate.mjs";

let wasmModule;
before(async () => {
  wasmModule = await WebAssembly.compile(buildReactor("./edgeauth/js/testdata/reactor"));
});

const ORIGIN = "http://origin.test:8080";
const env = { ORIGIN, CONFIG_TTL_SECONDS: "30", KID_REFRESH_COOLDOWN_SECONDS: "10", CONFIG_RETRY_SECONDS: "5", EDGE_CONFIG_TOKEN: "edge-secret" };
const configDoc = JSON.stringify({ issuer: "https://issuer.test", keys: { keys: [{ kid: "k1" }] } });

function setup() {
  const origin = { configFetches: 0, configAuth: [], forwarded: [], down: false };
  const clock = { t: 1_800_000_000_000 };
  const fetch = async (url, init) => {
    if (origin.down) throw new TypeError("connection refused");
    if (url === `${ORIGIN}/.well-known/edgeauth.json`) {
      origin.configFetches++;
      origin.configAuth.push(init.headers.authorization ?? null);
      return new Response(configDoc, { headers: { etag: '"1"' } });
    }
    const body = init.body ? await new Response(init.body).text() : null;
    origin.forwarded.push({ url, method: init.method, headers: Object.fromEntries(new Headers(init.headers)), body });
    return new Response("from origin", { status: 200 });
  };
  const gate = createGate({ wasmModule, fetch, now: () => clock.t });
  // A request as workerd delivers it: request.cf.clientIp is the socket's
  // peer (Node's Request has no cf; it is added the way the runtime would).
  const call = (path, init = {}, { cf = { clientIp: "192.0.2.44:5555" }, settings = env } = {}) => {
    const req = new Request(`https://gate.test${path}`, init);
    if (cf) Object.defineProperty(req, "cf", { value: cf });
    return gate.fetch(req, settings);
  };
  return { origin, clock, call };
}

async function assertProblem(res, status) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = await res.json();
  assert.equal(body.status, status);
  assert.equal(body.type, "about:blank");
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.detail, "string");
  return body;
}

describe("gate", () => {
  test("a denial is answered at the gate and never forwarded", async () => {
    const { origin, call } = setup();
    const res = await call("/users/1", { headers: { authorization: "Bearer bad" } });
    const body = await assertProblem(res, 401);
    assert.equal(body.error, "invalid_token");
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="api", resource_metadata="https://issuer.test/.well-known/oauth-protected-resource"');
    assert.equal(origin.forwarded.length, 0);
  });

  test("resource_metadata comes from an issuer that is a bare origin, and only for Bearer challenges", () => {
    const cases = [
      ["https://issuer.test", "https://issuer.test/.well-known/oauth-protected-resource"],
      ["http://127.0.0.1:3000", "http://127.0.0.1:3000/.well-known/oauth-protected-resource"],
      ["https://issuer.test/", null],
      ["https://issuer.test/v1", null],
      ["https://issuer.test?x", null],
      ["todos", null],
      [42, null],
    ];
    for (const [issuer, want] of cases) assert.equal(resourceMetadataURL(JSON.stringify({ issuer })), want, String(issuer));
    assert.equal(resourceMetadataURL("not json"), null);
    assert.equal(withResourceMetadata('Basic realm="x"', "https://i"), 'Basic realm="x"');
    assert.equal(withResourceMetadata(undefined, "https://i"), undefined);
    assert.equal(withResourceMetadata('Bearer realm="x"', null), 'Bearer realm="x"');
    assert.equal(withResourceMetadata('Bearer realm="x", resource_metadata="a"', "https://i"), 'Bearer realm="x", resource_metadata="a"');
  });

  test("an allowed request is forwarded with the verified identity, client X-Auth-* stripped", async () => {
    const { origin, call } = setup();
    const res = await call("/users/1/todos?limit=5", {
      method: "POST",
      body: '{"title":"x"}',
      headers: {
        authorization: "Bearer good",
        "x-auth-subject": "users/2",
        "X-Auth-Scopes": "admin",
        "x-auth-anything": "1",
        "content-type": "application/json",
      },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "from origin");
    assert.equal(origin.forwarded.length, 1);
    const f = origin.forwarded[0];
    assert.equal(f.url, `${ORIGIN}/users/1/todos?limit=5`);
    assert.equal(f.method, "POST");
    assert.equal(f.body, '{"title":"x"}');
    assert.equal(f.headers["x-auth-subject"], "users/1");
    assert.equal(f.headers["x-auth-scopes"], "todos:read");
    assert.equal(f.headers["x-auth-anything"], undefined);
    assert.equal(f.headers.authorization, "Bearer good");
    assert.equal(f.headers["content-type"], "application/json");
    // The edge config token went with the config fetch only.
    assert.deepEqual(origin.configAuth, ["Bearer edge-secret"]);
    assert.ok(!JSON.stringify(origin.forwarded).includes("edge-secret"));
  });

  test("the client's real address replaces every address a client sent", async () => {
    const spoofed = {
      authorization: "Bearer good",
      "x-forwarded-for": "203.0.113.9, 10.0.0.1",
      "X-Real-IP": "203.0.113.10",
      forwarded: "for=203.0.113.11;proto=https",
      "true-client-ip": "203.0.113.12",
      "x-client-ip": "203.0.113.13",
      "cf-connecting-ip": "203.0.113.14",
    };
    for (const [name, cf, settings, want] of [
      ["workerd: the socket's peer", { clientIp: "198.51.100.7:41000" }, env, "198.51.100.7"],
      ["workerd: an IPv6 peer", { clientIp: "[2001:db8::7]:41000" }, env, "2001:db8::7"],
      ["workerd, socket named", { clientIp: "198.51.100.8:1" }, { ...env, CLIENT_IP_SOURCE: "socket" }, "198.51.100.8"],
    ]) {
      const { origin, call } = setup();
      const res = await call("/x", { headers: spoofed }, { cf, settings });
      assert.equal(res.status, 200, name);
      const h = origin.forwarded[0].headers;
      assert.equal(h["x-forwarded-for"], want, name);
      for (const other of CLIENT_ADDRESS_HEADERS.filter((x) => x !== "x-forwarded-for")) {
        assert.equal(h[other], undefined, `${name}: ${other} was forwarded`);
      }
    }
  });

  test("on Cloudflare the address is CF-Connecting-IP, which the platform sets", async () => {
    const { origin, call } = setup();
    const headers = { authorization: "Bearer good", "cf-connecting-ip": "198.51.100.20", "x-forwarded-for": "203.0.113.9" };
    const res = await call("/x", { headers }, { cf: { colo: "AMS" }, settings: { ...env, CLIENT_IP_SOURCE: "cf-connecting-ip" } });
    assert.equal(res.status, 200);
    assert.equal(origin.forwarded[0].headers["x-forwarded-for"], "198.51.100.20");
    assert.equal(origin.forwarded[0].headers["cf-connecting-ip"], undefined);
  });

  test("without a client address nothing is forwarded", async () => {
    for (const [name, cf, settings, headers] of [
      ["socket named, none given", null, { ...env, CLIENT_IP_SOURCE: "socket" }, { "cf-connecting-ip": "198.51.100.20" }],
      ["auto, neither", null, env, {}],
      ["header not an address", null, env, { "cf-connecting-ip": "not-an-ip" }],
    ]) {
      const { origin, call } = setup();
      const res = await call("/x", { headers: { authorization: "Bearer good", ...headers } }, { cf, settings });
      await assertProblem(res, 500);
      assert.equal(origin.forwarded.length, 0, name);
    }
  });

  test("a path that looks like a host stays a path on the origin", async () => {
    const { origin, call } = setup();
    await call("//evil.test/x", { headers: { authorization: "Bearer good" } });
    assert.equal(origin.forwarded[0].url, `${ORIGIN}//evil.test/x`);
  });

  test("without any config (origin unreachable) every request gets 503", async () => {
    const { origin, call } = setup();
    origin.down = true;
    const res = await call("/users/1", { headers: { authorization: "Bearer good" } });
    await assertProblem(res, 503);
    assert.equal(res.headers.get("retry-after"), "5");
  });

  test("the origin going down later keeps the last good config", async () => {
    const { origin, clock, call } = setup();
    assert.equal((await call("/x", { headers: { authorization: "Bearer good" } })).status, 200);
    origin.down = true;
    clock.t += 60_000;
    const res = await call("/x", { headers: { authorization: "Bearer bad" } });
    assert.equal(res.status, 401, "still judged with the last good config");
  });

  test("a module trap is a 500 and nothing is forwarded", async () => {
    const { origin, call } = setup();
    const body = await assertProblem(await call("/trap", { headers: { authorization: "Bearer good" } }), 500);
    assert.equal(body.error, "server_error");
    assert.equal(origin.forwarded.length, 0);
    assert.equal((await call("/x", { headers: { authorization: "Bearer good" } })).status, 200, "recovers on the next request");
  });

  test("a token naming an unknown kid refreshes the config, at most once per cool-down", async () => {
    const { origin, clock, call } = setup();
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = (kid) => `Bearer ${b64({ alg: "EdDSA", kid })}.${b64({})}.sig`;
    await call("/x", { headers: { authorization: token("k1") } });
    assert.equal(origin.configFetches, 1);
    await call("/x", { headers: { authorization: token("k1") } });
    assert.equal(origin.configFetches, 1, "a known kid causes no fetch");
    for (let i = 0; i < 50; i++) {
      clock.t += 100;
      assert.equal((await call("/x", { headers: { authorization: token(`flood-${i}`) } })).status, 401);
    }
    assert.equal(origin.configFetches, 2, "one refresh for the whole flood");
    clock.t += 10_000;
    await call("/x", { headers: { authorization: token("another") } });
    assert.equal(origin.configFetches, 3);
  });

  test("a misconfigured gate answers 500 and forwards nothing", async () => {
    const { origin } = setup();
    const gate = createGate({ wasmModule, fetch: async () => assert.fail("no fetch expected") });
    const res = await gate.fetch(new Request("https://gate.test/x"), { ORIGIN: "not a url" });
    await assertProblem(res, 500);
    assert.equal(origin.forwarded.length, 0);
  });

  test("without the edge config token the gate says so once, and fetches without credentials", async () => {
    const warnings = [];
    const auths = [];
    const fetch = async (url, init) => {
      auths.push(init.headers.authorization ?? null);
      return new Response(configDoc, { headers: { etag: '"1"' } });
    };
    const gate = createGate({ wasmModule, fetch, log: { warn: (msg) => warnings.push(msg) } });
    const { EDGE_CONFIG_TOKEN, ...bare } = env;
    for (let i = 0; i < 2; i++) {
      const req = new Request("https://gate.test/x", { headers: { authorization: "Bearer bad" } });
      Object.defineProperty(req, "cf", { value: { clientIp: "192.0.2.44:5555" } });
      await gate.fetch(req, bare);
    }
    assert.equal(warnings.filter((w) => w.includes("EDGE_CONFIG_TOKEN")).length, 1);
    assert.deepEqual(auths, [null]);
  });
});

describe("parseSettings", () => {
  const cases = [
    { name: "defaults", env: { ORIGIN: "https://api.test" }, want: { origin: "https://api.test", ttlMs: 10000, kidCooldownMs: 10000, retryMs: 5000, clientIpSource: "auto", configToken: null } },
    { name: "port and fractions", env: { ORIGIN: "http://127.0.0.1:3000/", CONFIG_TTL_SECONDS: "0.5" }, want: { origin: "http://127.0.0.1:3000", ttlMs: 500, kidCooldownMs: 10000, retryMs: 5000, clientIpSource: "auto", configToken: null } },
    { name: "client address from the socket", env: { ORIGIN: "https://api.test", CLIENT_IP_SOURCE: "socket" }, want: { origin: "https://api.test", ttlMs: 10000, kidCooldownMs: 10000, retryMs: 5000, clientIpSource: "socket", configToken: null } },
    { name: "unknown client address source", env: { ORIGIN: "https://api.test", CLIENT_IP_SOURCE: "x-forwarded-for" }, err: /CLIENT_IP_SOURCE/ },
    { name: "edge config token", env: { ORIGIN: "https://api.test", EDGE_CONFIG_TOKEN: "s3cr3t/+=" }, want: { origin: "https://api.test", ttlMs: 10000, kidCooldownMs: 10000, retryMs: 5000, clientIpSource: "auto", configToken: "s3cr3t/+=" } },
    { name: "empty edge config token", env: { ORIGIN: "https://api.test", EDGE_CONFIG_TOKEN: "" }, want: { origin: "https://api.test", ttlMs: 10000, kidCooldownMs: 10000, retryMs: 5000, clientIpSource: "auto", configToken: null } },
    { name: "edge config token with a space", env: { ORIGIN: "https://api.test", EDGE_CONFIG_TOKEN: "two words" }, err: /EDGE_CONFIG_TOKEN/ },
    { name: "missing origin", env: {}, err: /ORIGIN/ },
    { name: "origin with a path", env: { ORIGIN: "https://api.test/v1" }, err: /no path/ },
    { name: "origin with credentials", env: { ORIGIN: "https://u:p@api.test" }, err: /credentials/ },
    { name: "not http", env: { ORIGIN: "ftp://api.test" }, err: /http/ },
    { name: "negative ttl", env: { ORIGIN: "https://api.test", CONFIG_TTL_SECONDS: "-1" }, err: /CONFIG_TTL_SECONDS/ },
    { name: "word ttl", env: { ORIGIN: "https://api.test", CONFIG_TTL_SECONDS: "soon" }, err: /CONFIG_TTL_SECONDS/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.err) assert.throws(() => parseSettings(c.env), c.err);
      else assert.deepEqual(parseSettings(c.env), c.want);
    });
  }
});

describe("clientAddress", () => {
  const req = (cf, headers = {}) => {
    const r = new Request("https://gate.test/", { headers });
    if (cf) Object.defineProperty(r, "cf", { value: cf });
    return r;
  };
  const cases = [
    { name: "socket v4", r: req({ clientIp: "127.0.0.1:53060" }), source: "auto", want: "127.0.0.1" },
    { name: "socket v6", r: req({ clientIp: "[::1]:80" }), source: "auto", want: "::1" },
    { name: "socket wins over a client's header", r: req({ clientIp: "192.0.2.1:9" }, { "cf-connecting-ip": "9.9.9.9" }), source: "auto", want: "192.0.2.1" },
    { name: "socket named but absent", r: req(null, { "cf-connecting-ip": "9.9.9.9" }), source: "socket", want: null },
    { name: "header when no socket", r: req(null, { "cf-connecting-ip": "2001:db8::1" }), source: "auto", want: "2001:db8::1" },
    { name: "header named", r: req({ clientIp: "192.0.2.1:9" }, { "cf-connecting-ip": "198.51.100.1" }), source: "cf-connecting-ip", want: "198.51.100.1" },
    { name: "header not an address", r: req(null, { "cf-connecting-ip": "1.2.3.4, 5.6.7.8" }), source: "auto", want: null },
    { name: "out-of-range octet", r: req(null, { "cf-connecting-ip": "1.2.3.256" }), source: "auto", want: null },
    { name: "clientIp not a string", r: req({ clientIp: 7 }), source: "socket", want: null },
  ];
  for (const c of cases) test(c.name, () => assert.equal(clientAddress(c.r, c.source), c.want));
});

describe("tokenKid", () => {
  const b64 = (s) => Buffer.from(s).toString("base64url");
  const cases = [
    { name: "a kid", auth: `Bearer ${b64('{"kid":"k1"}')}.e30.x`, want: "k1" },
    { name: "no header", auth: null, want: null },
    { name: "no space", auth: "Bearer", want: null },
    { name: "no kid", auth: `Bearer ${b64('{"alg":"x"}')}.e30.x`, want: null },
    { name: "kid not a string", auth: `Bearer ${b64('{"kid":7}')}.e30.x`, want: null },
    { name: "not base64url", auth: "Bearer a+b.c.d", want: null },
    { name: "not JSON", auth: `Bearer ${b64("nope")}.e30.x`, want: null },
    { name: "huge segment", auth: `Bearer ${"A".repeat(5000)}.e30.x`, want: null },
  ];
  for (const c of cases) test(c.name, () => assert.equal(tokenKid(c.auth), c.want));
});
