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
//     A Bearer challenge gets RFC 9728's resource_metadata, the config's
//     issuer + /.well-known/oauth-protected-resource, exactly as the origin
//     adds it to its own challenges (the module's ABI is left as it is).
//   - An allowed request goes to the origin with X-Auth-Subject and
//     X-Auth-Scopes set from the verified token, after every X-Auth-* header
//     the client sent was removed (a client cannot claim an identity). The
//     Authorization header is forwarded: the origin checks it again.
//   - It sets X-Forwarded-For to the client's real address (the one the
//     platform saw, see clientAddress) after removing every header a client
//     could name an address with (X-Forwarded-For, X-Real-IP, Forwarded,
//     ...): the origin limits password guessing per client address, and a
//     client must not choose its own.
//   - It fails closed: no config yet, a module failure or a bad setting is an
//     error answer, never a forward.
//
// Settings (Worker vars, all strings):
//   ORIGIN                        base URL of the origin, e.g. https://api.example.com (required)
//   CONFIG_TTL_SECONDS            how long a config copy is used before revalidation (default 10):
//                                 a logout reaches the gate within it
//   KID_REFRESH_COOLDOWN_SECONDS  minimum time between unknown-kid refreshes (default 10)
//   CONFIG_RETRY_SECONDS          wait after a failed config fetch (default 5)
//   CLIENT_IP_SOURCE              where the client's address comes from: "cf-connecting-ip"
//                                 (Cloudflare Workers, which set that header and overwrite a
//                                 client's), "socket" (workerd elsewhere: request.cf.clientIp,
//                                 the peer of the connection), or "auto" (the default: socket
//                                 when the runtime gives it, else the header)
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

/** Path of the RFC 9728 protected resource metadata, below the issuer. */
export const RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

/** Headers the gate sets on a forwarded request; any X-Auth-* from a client is dropped. */
export const SUBJECT_HEADER = "x-auth-subject";
export const SCOPES_HEADER = "x-auth-scopes";
const STRIPPED_PREFIX = "x-auth-";

/** The header the origin reads the client's address from; the gate sets it. */
export const FORWARDED_FOR_HEADER = "x-forwarded-for";
/** Headers a client could name an address with; never forwarded as sent. */
export const CLIENT_ADDRESS_HEADERS = [
  "forwarded",
  "x-forwarded-for",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "cf-connecting-ip",
  "cf-connecting-ipv6",
  "x-cluster-client-ip",
  "fastly-client-ip",
];
const CLIENT_IP_SOURCES = ["auto", "socket", "cf-connecting-ip"];

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
 * @returns {{origin: string, ttlMs: number, kidCooldownMs: number, retryMs: number, clientIpSource: string, configToken: string | null}}
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
  const clientIpSource = env.CLIENT_IP_SOURCE === undefined || env.CLIENT_IP_SOURCE === "" ? "auto" : String(env.CLIENT_IP_SOURCE);
  if (!CLIENT_IP_SOURCES.includes(clientIpSource)) {
    throw new SettingsError(`CLIENT_IP_SOURCE must be one of ${CLIENT_IP_SOURCES.join(", ")}`);
  }
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
    clientIpSource,
    configToken: token || null,
  };
}

/**
 * The address of the client that sent request, or null when it cannot be
 * told. "socket": workerd's request.cf.clientIp, the peer of the connection
 * ("ip:port" or "[ip]:port"), which a client cannot set (unless the socket is
 * configured with a cfBlobHeader: do not). "cf-connecting-ip": the header
 * Cloudflare sets on every request to a Worker, replacing any a client sent;
 * anywhere else a client could send it. "auto": the socket when the runtime
 * gives it, else the header.
 * @param {Request & {cf?: {clientIp?: unknown}}} request
 * @param {string} source
 * @returns {string | null}
 */
export function clientAddress(request, source) {
  const socket = typeof request.cf?.clientIp === "string" ? request.cf.clientIp : null;
  let raw = null;
  if (source === "socket" || (source === "auto" && socket !== null)) {
    raw = socket === null ? null : stripPort(socket);
  } else {
    raw = request.headers.get("cf-connecting-ip");
  }
  return raw !== null && isIP(raw) ? raw : null;
}

/** "1.2.3.4:5" -> "1.2.3.4", "[::1]:5" -> "::1"; a bare address as it is. */
function stripPort(s) {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (v6) return v6[1];
  const colons = s.split(":").length - 1;
  return colons === 1 ? s.slice(0, s.indexOf(":")) : s;
}

/** A textual IPv4 or IPv6 address (no zone, no port). */
function isIP(s) {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s)) return true;
  if (s.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
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
  let metadataOf = { cfg: null, url: null }; // the resource_metadata URL of the last config seen

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
      if (metadataOf.cfg !== cfg) metadataOf = { cfg, url: resourceMetadataURL(cfg.json) };
      const wwwAuthenticate = withResourceMetadata(d.www_authenticate, metadataOf.url);
      return problem(d.status, { error: d.error, detail: d.error_description, wwwAuthenticate });
    }

    const client = clientAddress(request, settings.clientIpSource);
    if (client === null) {
      warn("edgeauth gate cannot tell the client's address", { source: settings.clientIpSource });
      return problem(500, { error: "server_error", detail: "the gate cannot tell the client's address" });
    }
    const headers = new Headers(request.headers);
    for (const name of [...headers.keys()]) {
      if (name.startsWith(STRIPPED_PREFIX) || CLIENT_ADDRESS_HEADERS.includes(name)) headers.delete(name);
    }
    headers.delete("host");
    headers.set(FORWARDED_FOR_HEADER, client);
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
 * The URL of the protected resource metadata for a config document: its
 * issuer (the API's base URL, scheme://host[:port]) + RESOURCE_METADATA_PATH,
 * or null when the issuer is not such a URL (nothing is then advertised).
 * @param {string} configJSON
 * @returns {string | null}
 */
export function resourceMetadataURL(configJSON) {
  let issuer;
  try {
    issuer = JSON.parse(configJSON)?.issuer;
    if (typeof issuer !== "string") return null;
    const u = new URL(issuer);
    // The origin, exactly: no path, query, fragment or credentials, and
    // nothing that would need escaping inside a quoted-string.
    if (!/^https?:$/.test(u.protocol) || u.origin !== issuer || /["\\]/.test(issuer)) return null;
  } catch {
    return null;
  }
  return issuer + RESOURCE_METADATA_PATH;
}

/**
 * Adds resource_metadata (RFC 9728 section 5.1) to a Bearer challenge; any
 * other value, or one that already has it, is returned unchanged.
 * @param {string | undefined} challenge
 * @param {string | null} url
 */
export function withResourceMetadata(challenge, url) {
  if (!url || !challenge || !challenge.startsWith("Bearer ") || challenge.includes("resource_metadata=")) return challenge;
  return `${challenge}, resource_metadata="${url}"`;
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
