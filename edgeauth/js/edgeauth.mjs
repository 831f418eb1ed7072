// EdgeAuth runs the edgeauth WASI module (ABI v1, see ../ABI.md) in a
// JavaScript host: Cloudflare Workers / workerd, Node 20, or anything else
// with WebAssembly and Web Crypto. It is the JS twin of the Go wasmhost.
//
//   const auth = await EdgeAuth.create(wasmModule);
//   auth.configure(configJSON);          // -> {ok: true} | {ok: false, error}
//   auth.update(updateJSON);             // revocations since: same result
//                                        // (+ unsupported: true -> configure)
//   const d = auth.authorize({method, path, headers: {authorization: [h]}});
//   if (!d.allow) ... d.status, d.www_authenticate ...
//
// One EdgeAuth owns one instance; calls are synchronous, so a JS isolate never
// runs two at once. In Workers, call create() inside a request handler, never
// at global scope: the module's start-up reads random bytes, which Workers
// forbid outside a request.
//
// Failing closed: a module that traps (or exits) mid-call is discarded, the
// call answers a denial with status 500, and the next call starts a fresh
// instance and re-applies the last accepted config, and every update
// accepted since, before it runs. A bad
// output (out of bounds, not JSON, no boolean `allow`) is a denial too.

import { createWasi, WASI_IMPORTS, WasiExit } from "./wasi.mjs";

export { WasiExit };

/** The ABI version this host speaks. */
export const ABI_VERSION = 1;

/** Error codes of EdgeAuthError, for callers that branch on them. */
export const ErrorCode = Object.freeze({
  /** The module lacks an ABI v1 export or reports another version. */
  NOT_ABI_V1: "not_abi_v1",
  /** The module imports something the WASI shim does not provide. */
  UNSUPPORTED_IMPORT: "unsupported_import",
  /** The module trapped or exited during start-up or a call. */
  TRAPPED: "trapped",
  /** The module answered something that is not an ABI v1 result. */
  BAD_OUTPUT: "bad_output",
});

/** A load or call failure; `code` is one of ErrorCode. */
export class EdgeAuthError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = "EdgeAuthError";
    this.code = code;
  }
}

const REQUIRED_EXPORTS = [
  "memory",
  "_initialize",
  "edgeauth_abi_version",
  "edgeauth_alloc",
  "edgeauth_free",
  "edgeauth_configure",
  "edgeauth_authorize",
];

const INITIAL_INPUT = 4096;
// Bounds of the updates kept since the last configure, which a fresh
// instance replays (the same as the Go host's): past them update() answers
// unsupported, and a configure with the whole config compacts them.
const MAX_REPLAY_UPDATES = 4096;
const MAX_REPLAY_BYTES = 4 << 20;
// Fuel (see ABI.md, "Runaway calls"): loop iterations one call may run in a
// module that exports edgeauth_fuel. Far above any real call; a loop that
// never ends traps within about a second.
const DEFAULT_CALL_FUEL = 1n << 28n;
const START_FUEL = 1n << 32n;
// Applying a Config or an Update may parse megabytes: a bound of its own.
const DEFAULT_CONFIGURE_FUEL = 1n << 33n;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The Decision answered when the module fails: a denial, never an allow.
 * Status 500 tells a gate to answer an error of its own, not a 401 that would
 * make a client drop a good token.
 */
export function failClosedDecision() {
  return {
    allow: false,
    status: 500,
    error: "server_error",
    error_description: "the authorization check failed",
  };
}

/**
 * Checks that a compiled module can run here: every import is a WASI function
 * this shim provides, and every ABI v1 export is present. Throws EdgeAuthError.
 * @param {WebAssembly.Module} module
 */
export function checkModule(module) {
  const provided = new Set(WASI_IMPORTS);
  const missing = WebAssembly.Module.imports(module)
    .filter((i) => i.module !== "wasi_snapshot_preview1" || i.kind !== "function" || !provided.has(i.name))
    .map((i) => `${i.module}.${i.name}`);
  if (missing.length > 0) {
    throw new EdgeAuthError(ErrorCode.UNSUPPORTED_IMPORT, `module imports what this host lacks: ${missing.join(", ")}`);
  }
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const absent = REQUIRED_EXPORTS.filter((n) => !exported.has(n));
  if (absent.length > 0) {
    throw new EdgeAuthError(ErrorCode.NOT_ABI_V1, `module is not ABI v1: missing exports ${absent.join(", ")}`);
  }
}

export class EdgeAuth {
  #module;
  #options;
  #instance = null; // {exports, memory}; null after a trap until the next call
  #input = 0; // guest input buffer from edgeauth_alloc, reused across calls
  #inputCap = 0;
  #config = null; // last accepted config JSON, re-applied on a new instance
  #updates = []; // update JSON texts accepted since #config, replayed after it
  #updateBytes = 0;
  #canUpdate = false;
  #starts = 0;

  /**
   * Compiles (when given bytes), checks and starts the module.
   *
   * @param {WebAssembly.Module | BufferSource} wasmModule the edgeauth module;
   *   in Workers, the module imported from the `.wasm` binding.
   * @param {object} [options] passed to the WASI shim (see createWasi): `now`
   *   (milliseconds, default Date.now), `random` (fills a Uint8Array, default
   *   crypto.getRandomValues), `output` (guest stdout/stderr sink), and
   *   `fuel` (BigInt loop iterations per call for a metered module; default
   *   2^28) and `configureFuel` (the same for configure and update, which
   *   may parse megabytes; default 2^33).
   * @returns {Promise<EdgeAuth>}
   * @throws {EdgeAuthError} NOT_ABI_V1, UNSUPPORTED_IMPORT or TRAPPED.
   */
  static async create(wasmModule, options = {}) {
    const module = wasmModule instanceof WebAssembly.Module ? wasmModule : await WebAssembly.compile(wasmModule);
    checkModule(module);
    const auth = new EdgeAuth(module, options);
    auth.#canUpdate = WebAssembly.Module.exports(module).some((e) => e.name === "edgeauth_update" && e.kind === "function");
    auth.#start();
    return auth;
  }

  /** @private use EdgeAuth.create */
  constructor(module, options) {
    this.#module = module;
    this.#options = options;
  }

  /** How many instances were started: 1, plus one per trap recovered. */
  get starts() {
    return this.#starts;
  }

  /** Whether the module exports edgeauth_update (see update). */
  get canUpdate() {
    return this.#canUpdate;
  }

  /** The size of the instance's linear memory in bytes (0 between a trap and the next call). */
  get memoryBytes() {
    return this.#instance?.memory.buffer.byteLength ?? 0;
  }

  /**
   * Installs a Config (ABI v1). A rejected config leaves the previous one in
   * force; before any is accepted every request is denied with 401.
   *
   * @param {string | object} config JSON text or an object to serialise.
   * @returns {{ok: boolean, error?: string}}
   */
  configure(config) {
    const json = typeof config === "string" ? config : JSON.stringify(config);
    const result = this.#change("edgeauth_configure", json);
    if (result.ok) {
      this.#config = json;
      this.#updates = [];
      this.#updateBytes = 0;
    }
    return result;
  }

  /**
   * Merges an Update (ABI v1: revocations to add, cutoffs to move later)
   * into the config in force, at the cost of the update rather than of the
   * whole config. A rejected update changes nothing. When the module lacks
   * edgeauth_update, or the updates since the last configure reached their
   * bound, it answers `{ok: false, unsupported: true, error}` and changes
   * nothing: apply the change with configure and the whole config instead.
   *
   * @param {string | object} update JSON text or an object to serialise.
   * @returns {{ok: boolean, error?: string, unsupported?: boolean}}
   */
  update(update) {
    const json = typeof update === "string" ? update : JSON.stringify(update);
    if (!this.#canUpdate) return { ok: false, unsupported: true, error: "the module does not export edgeauth_update" };
    if (this.#updates.length >= MAX_REPLAY_UPDATES || this.#updateBytes + json.length > MAX_REPLAY_BYTES) {
      return { ok: false, unsupported: true, error: "too many updates since the last configure: configure to compact them" };
    }
    const result = this.#change("edgeauth_update", json);
    if (result.ok) {
      this.#updates.push(json);
      this.#updateBytes += json.length;
    }
    return result;
  }

  // Calls edgeauth_configure or edgeauth_update and reads their result
  // document; a module failure is a refusal.
  #change(fn, json) {
    let result;
    try {
      result = JSON.parse(this.#call(fn, json));
    } catch (err) {
      return { ok: false, error: err instanceof EdgeAuthError ? err.message : `${fn} answered no JSON` };
    }
    if (typeof result?.ok !== "boolean") return { ok: false, error: "module answered no ok field" };
    return result;
  }

  /**
   * Decides one request (ABI v1 Request: method, path, headers with
   * lower-case names mapping to arrays of values, optional `now` in seconds).
   * Never throws for a module failure: it answers failClosedDecision().
   *
   * @param {{method: string, path: string, headers?: Record<string, string[]>, now?: number} | string} request
   *   the Request, or its JSON text (passed to the module byte for byte).
   * @returns {object} the ABI v1 Decision, every member as the module sent
   *   it: only allow and status are checked, so members a host does not use
   *   (such as `reason`, which other ABI v1 modules may not send) pass
   *   through untouched.
   */
  authorize(request) {
    let d;
    try {
      d = JSON.parse(this.authorizeJSON(typeof request === "string" ? request : JSON.stringify(request)));
    } catch {
      return failClosedDecision();
    }
    if (typeof d?.allow !== "boolean" || !Number.isInteger(d.status)) return failClosedDecision();
    if (d.allow && d.status !== 200) return failClosedDecision();
    return d;
  }

  /**
   * The raw form of authorize, for conformance runners that judge the
   * module's exact output: Request JSON text in, Decision JSON text out.
   *
   * @param {string} requestJSON
   * @returns {string}
   * @throws {EdgeAuthError} TRAPPED or BAD_OUTPUT (the instance is then
   *   discarded, as with authorize).
   */
  authorizeJSON(requestJSON) {
    return this.#call("edgeauth_authorize", requestJSON);
  }

  // Starts a fresh instance: instantiate, _initialize once, check the ABI
  // version, allocate the input buffer and re-apply the last good config.
  #start() {
    this.#instance = null;
    this.#starts++;
    const wasi = createWasi(this.#options);
    let instance;
    try {
      instance = new WebAssembly.Instance(this.#module, wasi.imports);
      wasi.bind(instance.exports.memory);
      if (instance.exports.edgeauth_fuel instanceof WebAssembly.Global) instance.exports.edgeauth_fuel.value = START_FUEL;
      instance.exports._initialize();
    } catch (err) {
      throw new EdgeAuthError(ErrorCode.TRAPPED, `module failed to start: ${err.message}`, { cause: err });
    }
    const ex = instance.exports;
    let version;
    try {
      version = ex.edgeauth_abi_version();
    } catch (err) {
      throw new EdgeAuthError(ErrorCode.TRAPPED, `edgeauth_abi_version: ${err.message}`, { cause: err });
    }
    if (version !== ABI_VERSION) {
      throw new EdgeAuthError(ErrorCode.NOT_ABI_V1, `module speaks ABI ${version}, this host speaks ${ABI_VERSION}`);
    }
    // A metered module bounds every call by the fuel set before it; any
    // other module runs as long as the platform lets it.
    const fuel = ex.edgeauth_fuel instanceof WebAssembly.Global ? ex.edgeauth_fuel : null;
    this.#instance = { exports: ex, memory: ex.memory, fuel };
    this.#input = 0;
    this.#inputCap = 0;
    if (this.#config !== null) {
      this.#reapply("edgeauth_configure", this.#config, "config");
      for (const u of this.#updates) this.#reapply("edgeauth_update", u, "update");
    }
  }

  // Gives a fresh instance a document that an earlier one accepted.
  #reapply(fn, json, what) {
    if (this.#change(fn, json).ok !== true) {
      this.#instance = null;
      throw new EdgeAuthError(ErrorCode.BAD_OUTPUT, `a fresh instance refused the last accepted ${what}`);
    }
  }

  // Writes json into the guest, calls fn and decodes its packed-i64 result
  // (UTF-8, strictly) into a string.
  // Any trap discards the instance; the error propagates as EdgeAuthError.
  #call(fn, json) {
    if (this.#instance === null) this.#start();
    const { exports: ex, memory, fuel } = this.#instance;
    try {
      const setFuel = () => {
        if (fuel === null) return;
        fuel.value = fn === "edgeauth_authorize" ? (this.#options.fuel ?? DEFAULT_CALL_FUEL) : (this.#options.configureFuel ?? DEFAULT_CONFIGURE_FUEL);
      };
      setFuel(); // a large input's allocation runs in the module too
      const ptr = this.#write(json);
      setFuel();
      const packed = BigInt.asUintN(64, ex[fn](ptr.ptr, ptr.len));
      const outPtr = Number(packed >> 32n);
      const outLen = Number(packed & 0xffffffffn);
      if (outPtr + outLen > memory.buffer.byteLength) {
        throw new EdgeAuthError(ErrorCode.BAD_OUTPUT, "module output is out of bounds");
      }
      return decoder.decode(new Uint8Array(memory.buffer, outPtr, outLen));
    } catch (err) {
      // After a trap Go's runtime state is undefined; after a bad output we
      // cannot trust the instance either. Start afresh next time.
      this.#instance = null;
      if (err instanceof EdgeAuthError) throw err;
      const code = err instanceof WebAssembly.RuntimeError || err instanceof WasiExit ? ErrorCode.TRAPPED : ErrorCode.BAD_OUTPUT;
      const why = fuel !== null && fuel.value === 0n ? "ran out of fuel (a loop did not end)" : err.message;
      throw new EdgeAuthError(code, `${fn}: ${why}`, { cause: err });
    }
  }

  // Copies UTF-8 json into the reused input buffer, growing it (to the next
  // power of two) when it is too small.
  #write(json) {
    const ex = this.#instance.exports;
    // A UTF-16 code unit is at most 3 UTF-8 bytes, so this bound is safe.
    let need = json.length * 3;
    let bytes = null;
    if (need > this.#inputCap) {
      bytes = encoder.encode(json);
      need = bytes.length;
    }
    if (need > this.#inputCap) {
      let cap = Math.max(INITIAL_INPUT, this.#inputCap);
      while (cap < need) cap *= 2;
      if (this.#input !== 0) ex.edgeauth_free(this.#input);
      this.#input = 0;
      this.#inputCap = 0;
      const p = ex.edgeauth_alloc(cap) >>> 0;
      if (p === 0) throw new EdgeAuthError(ErrorCode.BAD_OUTPUT, "edgeauth_alloc failed");
      this.#input = p;
      this.#inputCap = cap;
    }
    const dst = new Uint8Array(this.#instance.memory.buffer, this.#input, this.#inputCap);
    if (bytes !== null) {
      dst.set(bytes);
      return { ptr: this.#input, len: bytes.length };
    }
    const { written } = encoder.encodeInto(json, dst);
    return { ptr: this.#input, len: written };
  }
}
