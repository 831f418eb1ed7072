// A minimal WASI preview1 shim for the edgeauth module, for hosts without a
// WASI of their own that fits: Cloudflare Workers / workerd, and Node 20
// without the experimental node:wasi.
//
// It provides the wasi_snapshot_preview1 functions a Go `-buildmode=c-shared`
// wasip1 reactor can import (WASI_IMPORTS: the edgeauth module uses 15 of
// these 18; more of Go's os package adds fd_read, path_open and
// path_filestat_get), and nothing more: a module that imports anything else
// is refused at load time by edgeauth.mjs rather than failing mid-request.
//
// The guest gets no file system, no arguments and no environment, so the
// check it runs can depend only on its config, the request, the clock and
// random bytes:
//   - random_get   crypto.getRandomValues, in chunks of at most 64 KiB (the
//                  Web Crypto limit per call);
//   - clock_time_get  realtime and monotonic from Date.now() (or the `now`
//                  option), in nanoseconds; monotonic never goes backwards;
//   - args/environ empty; fd_prestat_get answers EBADF, so Go sees no
//                  preopened directory and every path call fails with EBADF;
//   - fd_write to stdout/stderr is handed to an optional sink, else dropped;
//   - poll_oneoff never blocks. Workers freeze timers and a blocking host
//                  call would stall the event loop, so a clock subscription is
//                  reported as elapsed at once and the guest's monotonic clock
//                  is moved forward by the time it asked to wait. The real
//                  module never sleeps; this only keeps a stray sleep finite.
//   - proc_exit    throws WasiExit: the guest is finished, and the host must
//                  discard the instance.

/** WASI errno values used here (wasi_snapshot_preview1 `errno`). */
export const Errno = Object.freeze({
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  NOTCAPABLE: 76,
});

/** The imports this shim provides: all a Go wasip1 reactor needs. */
export const WASI_IMPORTS = Object.freeze([
  "args_get",
  "args_sizes_get",
  "clock_time_get",
  "environ_get",
  "environ_sizes_get",
  "fd_close",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_prestat_dir_name",
  "fd_prestat_get",
  "fd_read",
  "fd_write",
  "path_filestat_get",
  "path_open",
  "poll_oneoff",
  "proc_exit",
  "random_get",
  "sched_yield",
]);

/** Thrown by proc_exit: the guest ended itself (a Go panic ends this way). */
export class WasiExit extends Error {
  constructor(code) {
    super(`wasm module exited with code ${code}`);
    this.name = "WasiExit";
    this.code = code;
  }
}

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const EVENTTYPE_CLOCK = 0;
const SUBCLOCKFLAGS_ABSTIME = 1;
const FILETYPE_CHARACTER_DEVICE = 2;
// rights: fd_read (1<<1), fd_write (1<<6), poll_fd_readwrite (1<<27).
const RIGHTS_STDIO = (1n << 1n) | (1n << 6n) | (1n << 27n);
const RANDOM_CHUNK = 65536;
const NS_PER_MS = 1_000_000n;

/**
 * Creates the shim for one instance.
 *
 * @param {object} [options]
 * @param {() => number} [options.now] wall clock in milliseconds since the
 *   Unix epoch (default Date.now). Tests pass a fixed clock.
 * @param {(bytes: Uint8Array) => void} [options.random] fills bytes with
 *   cryptographically secure randomness (default crypto.getRandomValues). It
 *   is called with at most 64 KiB at a time.
 * @param {(fd: number, bytes: Uint8Array) => void} [options.output] receives
 *   what the guest writes to stdout (1) and stderr (2); dropped by default.
 * @returns {{imports: WebAssembly.Imports, bind(memory: WebAssembly.Memory): void}}
 *   `imports` goes to WebAssembly.Instance; `bind` must be given the
 *   instance's exported memory before the guest runs.
 */
export function createWasi({ now = Date.now, random, output } = {}) {
  const fill = random ?? ((b) => crypto.getRandomValues(b));
  let memory = null;
  let lastMonotonic = 0n; // ns, before skew
  let skew = 0n; // ns the guest was told it slept

  // Views are made per call: memory.grow detaches the old ArrayBuffer.
  const view = () => new DataView(memory.buffer);
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
  const inBounds = (ptr, len) => ptr >= 0 && len >= 0 && ptr + len <= memory.buffer.byteLength;

  function clock(id) {
    const wall = BigInt(Math.floor(now())) * NS_PER_MS;
    if (id === CLOCK_REALTIME) return wall;
    if (wall > lastMonotonic) lastMonotonic = wall;
    return lastMonotonic + skew;
  }

  const wasi = {
    args_sizes_get(argcPtr, sizePtr) {
      const v = view();
      v.setUint32(argcPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return Errno.SUCCESS;
    },
    args_get: () => Errno.SUCCESS,
    environ_sizes_get(countPtr, sizePtr) {
      const v = view();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return Errno.SUCCESS;
    },
    environ_get: () => Errno.SUCCESS,

    clock_time_get(id, _precision, timePtr) {
      if (id !== CLOCK_REALTIME && id !== CLOCK_MONOTONIC) return Errno.INVAL;
      view().setBigUint64(timePtr, clock(id), true);
      return Errno.SUCCESS;
    },

    random_get(ptr, len) {
      if (!inBounds(ptr, len)) return Errno.FAULT;
      for (let off = 0; off < len; off += RANDOM_CHUNK) {
        fill(bytes(ptr + off, Math.min(RANDOM_CHUNK, len - off)));
      }
      return Errno.SUCCESS;
    },

    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return Errno.BADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        if (!inBounds(ptr, len)) return Errno.FAULT;
        if (output && len > 0) output(fd, bytes(ptr, len).slice());
        total += len;
      }
      v.setUint32(nwrittenPtr, total, true);
      return Errno.SUCCESS;
    },
    fd_read: () => Errno.BADF,
    fd_close: () => Errno.BADF,

    fd_fdstat_get(fd, statPtr) {
      if (fd < 0 || fd > 2) return Errno.BADF;
      const v = view();
      v.setUint8(statPtr, FILETYPE_CHARACTER_DEVICE);
      v.setUint16(statPtr + 2, 0, true);
      v.setBigUint64(statPtr + 8, RIGHTS_STDIO, true);
      v.setBigUint64(statPtr + 16, 0n, true);
      return Errno.SUCCESS;
    },
    // Go marks stdio non-blocking at start-up; there is nothing to change.
    fd_fdstat_set_flags: (fd) => (fd >= 0 && fd <= 2 ? Errno.SUCCESS : Errno.BADF),

    // No preopened directories: Go stops looking at the first EBADF.
    fd_prestat_get: () => Errno.BADF,
    fd_prestat_dir_name: () => Errno.BADF,
    path_open: () => Errno.BADF,
    path_filestat_get: () => Errno.BADF,

    poll_oneoff(inPtr, outPtr, nsubscriptions, neventsPtr) {
      if (nsubscriptions === 0) return Errno.INVAL;
      const v = view();
      let wait = 0n;
      for (let i = 0; i < nsubscriptions; i++) {
        const sub = inPtr + i * 48;
        const ev = outPtr + i * 32;
        const tag = v.getUint8(sub + 8);
        v.setBigUint64(ev, v.getBigUint64(sub, true), true); // userdata
        v.setUint8(ev + 10, tag);
        v.setBigUint64(ev + 16, 0n, true);
        v.setUint16(ev + 24, 0, true);
        if (tag === EVENTTYPE_CLOCK) {
          const id = v.getUint32(sub + 16, true);
          const timeout = v.getBigUint64(sub + 24, true);
          const flags = v.getUint16(sub + 40, true);
          let w = timeout;
          if (flags & SUBCLOCKFLAGS_ABSTIME) w = timeout - clock(id);
          if (w > wait) wait = w;
          v.setUint16(ev + 8, Errno.SUCCESS, true);
        } else {
          // fd_read / fd_write readiness: there are no files to wait on.
          v.setUint16(ev + 8, Errno.BADF, true);
        }
      }
      skew += wait;
      v.setUint32(neventsPtr, nsubscriptions, true);
      return Errno.SUCCESS;
    },

    proc_exit(code) {
      throw new WasiExit(code);
    },
    sched_yield: () => Errno.SUCCESS,
  };

  return {
    imports: { wasi_snapshot_preview1: wasi },
    bind(m) {
      memory = m;
    },
  };
}
