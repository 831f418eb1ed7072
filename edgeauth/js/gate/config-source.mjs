// ConfigSource keeps the gate's copy of the origin's ABI v1 Config
// (/.well-known/edgeauth.json) current, without letting traffic hammer the
// origin:
//   - a copy younger than the TTL is used as is;
//   - an older one is revalidated with a conditional GET (If-None-Match with
//     the last ETag): 304 keeps it, 200 with a new ETag replaces it;
//   - a token naming a kid the copy lacks (a key rotation the gate has not
//     seen yet) forces a revalidation, at most once per cool-down, so a flood
//     of made-up kids costs the origin one request per cool-down;
//   - concurrent refreshes share one fetch;
//   - when the origin is down or answers garbage the last good copy is kept,
//     and the next try waits for the retry interval.
// Before the first successful fetch there is no config, and the gate denies.
//
// With the edge config token (the origin's edge.configToken) every fetch
// sends it as Authorization: Bearer, and the origin answers the full config:
// revoked sessions and subject cutoffs included. Without it the origin
// answers the public subset (keys and routes): the gate then checks tokens
// but cannot refuse a logged-out one, which only the origin does. A
// revocation reaches the gate at its next revalidation: at most the TTL
// after the origin answered the logout.

/** Defaults, in milliseconds. */
export const DEFAULTS = Object.freeze({
  ttlMs: 10_000,
  kidCooldownMs: 10_000,
  retryMs: 5_000,
  timeoutMs: 3_000,
});

export class ConfigSource {
  #url;
  #token;
  #fetch;
  #now;
  #opts;
  #current = null; // {json: string, etag: string|null, kids: Set<string>}
  #fetchedAt = -Infinity; // when the copy was last confirmed current
  #nextTryAt = -Infinity; // earliest next fetch after a failure
  #lastKidRefreshAt = -Infinity;
  #inflight = null;
  #stats = { fetches: 0, notModified: 0, failures: 0 };

  /**
   * @param {object} o
   * @param {string} o.url absolute URL of the config document.
   * @param {string} [o.token] the edge config token; sent with every fetch.
   * @param {typeof fetch} [o.fetch] the fetch to use (default global fetch).
   * @param {() => number} [o.now] clock in ms (default Date.now).
   * @param {number} [o.ttlMs] how long a copy is used before revalidation.
   * @param {number} [o.kidCooldownMs] minimum time between unknown-kid refreshes.
   * @param {number} [o.retryMs] wait after a failed fetch before the next.
   * @param {number} [o.timeoutMs] bound on one fetch.
   * @param {(config: string) => {ok: boolean, error?: string}} [o.accept]
   *   called with a new document before it replaces the current one; a
   *   document it rejects counts as a failed fetch (the old one stays).
   */
  constructor({ url, token, fetch: fetchFn, now, accept, ...opts }) {
    this.#url = url;
    this.#token = token || null;
    this.#fetch = fetchFn ?? ((...a) => fetch(...a));
    this.#now = now ?? Date.now;
    this.#opts = { ...DEFAULTS, ...opts };
    this.accept = accept ?? (() => ({ ok: true }));
  }

  /** Counters for tests and operators: fetches, notModified, failures. */
  get stats() {
    return { ...this.#stats };
  }

  /**
   * Returns the current copy ({json, etag, kids}), revalidating it first when
   * it is older than the TTL; null while none was ever fetched.
   */
  async current() {
    const now = this.#now();
    if (now - this.#fetchedAt >= this.#opts.ttlMs && now >= this.#nextTryAt) {
      await this.#refresh();
    }
    return this.#current;
  }

  /**
   * Whether kid is in the current copy's key set.
   * @param {string} kid
   */
  knows(kid) {
    return this.#current?.kids.has(kid) ?? false;
  }

  /**
   * Revalidates now because a token named an unknown kid, unless one such
   * refresh happened within the cool-down. Returns true when the copy changed.
   */
  async refreshForUnknownKid() {
    const now = this.#now();
    if (now - this.#lastKidRefreshAt < this.#opts.kidCooldownMs || now < this.#nextTryAt) return false;
    this.#lastKidRefreshAt = now;
    const before = this.#current;
    await this.#refresh();
    return this.#current !== before;
  }

  #refresh() {
    this.#inflight ??= this.#fetchOnce().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #fetchOnce() {
    this.#stats.fetches++;
    const headers = { accept: "application/json" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (this.#current?.etag) headers["if-none-match"] = this.#current.etag;
    try {
      const res = await this.#fetch(this.#url, {
        headers,
        redirect: "manual", // a redirect is a failure (status !== 200); Workers lack "error"
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      });
      if (res.status === 304 && this.#current) {
        await res.body?.cancel();
        this.#stats.notModified++;
        this.#fetchedAt = this.#now();
        return;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`config fetch answered ${res.status}`);
      }
      const json = await res.text();
      const kids = keyIDs(json);
      const verdict = this.accept(json);
      if (!verdict.ok) throw new Error(`config rejected: ${verdict.error}`);
      this.#current = { json, etag: res.headers.get("etag"), kids };
      this.#fetchedAt = this.#now();
    } catch (err) {
      this.#stats.failures++;
      this.#nextTryAt = this.#now() + this.#opts.retryMs;
      this.lastError = err;
    }
  }
}

// keyIDs lists the kids of a config document; it throws on a document that is
// not a JSON object with a keys.keys array, which the gate treats as a failed
// fetch.
function keyIDs(json) {
  const doc = JSON.parse(json);
  const keys = doc?.keys?.keys;
  if (!Array.isArray(keys)) throw new Error("config has no keys.keys array");
  return new Set(keys.map((k) => k?.kid).filter((k) => typeof k === "string"));
}
