// The Workers gate: an edge worker that checks every request with the
// edgeauth module before it reaches the origin.
//
//   - It fetches the origin's ABI v1 Config from <ORIGIN>/.well-known/edgeauth.json
//     and keeps it current (see ConfigSource: TTL + ETag revalidation, an
//     unknown-kid refresh with a cool-down, the last good copy when the
//     origin is down).
//   - It asks the module about each request: method, path (as the URL parser
//     normalised it — the very path it forwards) and the Authorization values.
//   - A denial is answered here, never forwarded: the module's status, its
//     WWW-Authenticate, and an RFC 9457 problem+json body like the origin's.
//   - An allowed request goes to the origin with X-Auth-Subject and
//     X-Auth-Scopes set from the verified token, after every X-Auth-* header
//     the client sent was removed (a client cannot claim an identity). The
//     Authorization header is forwarded: the origin checks it again.
//   - It fails closed: no config yet, a module failure or a bad setting is an
//     error answer, never a forward.
//
// Settings (Worker vars, all strings):
//   ORIGIN                        base URL of the origin, e.g. https://api.example.com (required)
//   CONFIG_TTL_SECONDS            how long a config copy is used before revalidation (default 10):
//                                 a logout reaches the gate within it
//   KID_REFRESH_COOLDOWN_SECONDS  minimum time between unknown-kid refreshes (default 10)
//   CONFIG_RETRY_SECONDS          wait after a failed config fetch (default 5)
// and one Worker secret (`wrangler secret put EDGE_CONFIG_TOKEN`):
//   EDGE_CONFIG_TOKEN             the origin's edge.configToken: with it the gate gets the
//                                 revoked sessions and refuses logged-out tokens itself;
//                                 without it, only the origin does (a warning is logged)
//
// Workers forbid random bytes at global scope and the module reads some at
// start-up, so everything is created inside the first request.

import { EdgeAuth } from "../edgeauth.mjs";
import { ConfigSource } from "./config-source.mjs";

/** Path of the config document on the origin. */
export const CONFIG_PATH = "/.well-known/edgeauth.json";

/** Headers the gate sets on a forwarded request; any X-Auth-* from a client is dropped. */
export const SUBJECT_HEADER = "x-auth-subject";
export const SCOPES_HEADER = "x-auth-scopes";
const STRIPPED_PREFIX = "x-auth-";

const TITLES = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** A setting is missing or malformed. */
export class SettingsError extends Error {
  constructor(message) {
    super(message);
    this.name = "SettingsError";
  }
}

/**
 * Parses the Worker vars (see the header comment).
 * @param {Record<string, unknown>} env
 * @returns {{origin: string, ttlMs: number, kidCooldownMs: number, retryMs: number, configToken: string | null}}
 */
export function parseSettings(env) {
  let origin;
  try {
    origin = new URL(String(env.ORIGIN ?? ""));
  } catch {
    throw new SettingsError("ORIGIN must be an absolute URL");
  }
  if (!/^https?:$/.test(origin.protocol) || origin.pathname !== "/" || origin.search || origin.hash || origin.username) {
    throw new SettingsError("ORIGIN must be an http(s) URL with no path, query or credentials");
  }
  const seconds = (name, def) => {
    const v = env[name];
    if (v === undefined || v === null || v === "") return def * 1000;
    if (!/^\d+(\.\d+)?$/.test(String(v))) throw new SettingsError(`${name} must be a number of seconds`);
    return Number(v) * 1000;
  };
  const token = env.EDGE_CONFIG_TOKEN;
  if (token !== undefined && token !== null && typeof token !== "string") {
    throw new SettingsError("EDGE_CONFIG_TOKEN must be a string");
  }
  if (token && !/^[\x21-\x7e]+$/.test(token)) {
    throw new SettingsError("EDGE_CONFIG_TOKEN must be printable ASCII without spaces");
  }
  return {
    origin: origin.origin, // scheme://host[:port], no trailing slash
    ttlMs: seconds("CONFIG_TTL_SECONDS", 10),
    kidCooldownMs: seconds("KID_REFRESH_COOLDOWN_SECONDS", 10),
    retryMs: seconds("CONFIG_RETRY_SECONDS", 5),
    configToken: token || null,
  };
}

/**
 * Creates the gate. Nothing runs until the first request.
 *
 * @param {object} o
 * @param {WebAssembly.Module} o.wasmModule the edgeauth module.
 * @param {typeof fetch} [o.fetch] outbound fetch (default global fetch).
 * @param {() => number} [o.now] clock in ms (default Date.now).
 * @param {{warn: (msg: string, fields?: object) => void}} [o.log] where to
 *   report config fetch failures and start-up errors; silent by default.
 * @returns {{fetch: (request: Request, env: object) => Promise<Response>}}
 */
export function createGate({ wasmModule, fetch: fetchFn, now, log } = {}) {
  const outbound = fetchFn ?? ((...a) => fetch(...a));
  const warn = (msg, fields) => log?.warn?.(msg, fields);
  let starting = null; // Promise<{settings, auth, source}>

  async function start(env) {
    const settings = parseSettings(env);
    const auth = await EdgeAuth.create(wasmModule, { now });
    if (!settings.configToken) {
      warn("edgeauth gate has no EDGE_CONFIG_TOKEN: it gets the public config, so logged-out tokens are refused by the origin only");
    }
    const source = new ConfigSource({
      url: settings.origin + CONFIG_PATH,
      token: settings.configToken ?? undefined,
      fetch: outbound,
      now,
      ttlMs: settings.ttlMs,
      kidCooldownMs: settings.kidCooldownMs,
      retryMs: settings.retryMs,
      accept: (json) => auth.configure(json),
    });
    return { settings, auth, source };
  }

  async function handle(request, env) {
    let st;
    try {
      starting ??= start(env);
      st = await starting;
    } catch (err) {
      starting = null; // try again on the next request
      warn("edgeauth gate failed to start", { error: String(err?.message ?? err) });
      return problem(500, { error: "server_error", detail: "the gate is misconfigured" });
    }
    const { settings, auth, source } = st;

    const failures = source.stats.failures;
    const cfg = await source.current();
    if (source.stats.failures !== failures) warn("edgeauth config fetch failed", { error: String(source.lastError?.message) });
    if (cfg === null) {
      return problem(503, { error: "temporarily_unavailable", detail: "the gate has no auth config yet", retryAfter: 5 });
    }

    const url = new URL(request.url);
    const authorization = request.headers.get("authorization");
    const req = { method: request.method, path: url.pathname, headers: authorization === null ? {} : { authorization: [authorization] } };
    let d = auth.authorize(req);
    if (!d.allow && d.status === 401 && d.error === "invalid_token") {
      const kid = tokenKid(authorization);
      if (kid !== null && !source.knows(kid) && (await source.refreshForUnknownKid())) {
        d = auth.authorize(req);
      }
    }
    if (!d.allow) {
      return problem(d.status, { error: d.error, detail: d.error_description, wwwAuthenticate: d.www_authenticate });
    }

    const headers = new Headers(request.headers);
    for (const name of [...headers.keys()]) {
      if (name.startsWith(STRIPPED_PREFIX)) headers.delete(name);
    }
    headers.delete("host");
    if (d.subject) {
      headers.set(SUBJECT_HEADER, d.subject);
      headers.set(SCOPES_HEADER, (d.scopes ?? []).join(" "));
    }
    // Concatenation, not new URL(path, base): a path like "//evil.example/"
    // must stay a path on the origin.
    const target = settings.origin + url.pathname + url.search;
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    return outbound(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      redirect: "manual",
    });
  }

  return { fetch: handle };
}

/**
 * Builds an RFC 9457 answer in the origin's shape.
 * @param {number} status
 * @param {{error?: string, detail?: string, wwwAuthenticate?: string, retryAfter?: number}} o
 */
export function problem(status, { error, detail, wwwAuthenticate, retryAfter } = {}) {
  const body = { type: "about:blank", title: TITLES[status] ?? "Error", status, detail: detail || TITLES[status] || "error" };
  if (error) body.error = error;
  const headers = { "content-type": "application/problem+json", "cache-control": "no-store" };
  if (wwwAuthenticate) headers["www-authenticate"] = wwwAuthenticate;
  if (retryAfter) headers["retry-after"] = String(retryAfter);
  return new Response(JSON.stringify(body), { status, headers });
}

/**
 * The kid in a bearer token's header, or null. Used only to decide whether
 * to refresh the config; the module alone judges the token.
 * @param {string | null} authorization
 */
export function tokenKid(authorization) {
  if (authorization === null) return null;
  const sp = authorization.indexOf(" ");
  if (sp < 0) return null;
  const seg = authorization.slice(sp + 1).split(".", 1)[0];
  if (seg.length === 0 || seg.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(seg)) return null;
  try {
    const json = atob(seg.replace(/-/g, "+").replace(/_/g, "/"));
    const kid = JSON.parse(json)?.kid;
    return typeof kid === "string" && kid.length > 0 ? kid : null;
  } catch {
    return null;
  }
}
