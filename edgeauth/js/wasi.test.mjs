// Unit tests of the WASI shim against a bare memory: each import's effect on
// guest memory and its errno. Run: node --test edgeauth/js/
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Errno, WASI_IMPORTS, WasiExit, createWasi } from "./wasi.mjs";

function setup(options) {
  const memory = new WebAssembly.Memory({ initial: 4 }); // 256 KiB
  const w = createWasi(options);
  w.bind(memory);
  return { memory, fns: w.imports.wasi_snapshot_preview1, dv: () => new DataView(memory.buffer) };
}

test("provides exactly WASI_IMPORTS", () => {
  const { fns } = setup();
  assert.deepEqual(Object.keys(fns).sort(), [...WASI_IMPORTS].sort());
});

describe("random_get", () => {
  const cases = [
    { name: "empty", len: 0, calls: [] },
    { name: "small", len: 32, calls: [32] },
    { name: "exactly 64 KiB", len: 65536, calls: [65536] },
    { name: "over 64 KiB is chunked", len: 200000, calls: [65536, 65536, 65536, 3392] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const calls = [];
      const { fns, memory } = setup({
        random: (b) => {
          calls.push(b.length);
          b.fill(0xab);
        },
      });
      assert.equal(fns.random_get(100, c.len), Errno.SUCCESS);
      assert.deepEqual(calls, c.calls);
      const m = new Uint8Array(memory.buffer);
      assert.equal(m[99], 0, "byte before the buffer untouched");
      assert.equal(m[100 + c.len], 0, "byte after the buffer untouched");
      if (c.len > 0) assert.ok(m.subarray(100, 100 + c.len).every((b) => b === 0xab));
    });
  }
  test("out of bounds is EFAULT", () => {
    const { fns, memory } = setup();
    assert.equal(fns.random_get(memory.buffer.byteLength - 4, 8), Errno.FAULT);
  });
  test("default source is crypto.getRandomValues and really random", () => {
    const { fns, memory } = setup();
    assert.equal(fns.random_get(0, 100000), Errno.SUCCESS);
    const b = new Uint8Array(memory.buffer, 0, 100000);
    assert.ok(b.filter((x) => x === 0).length < 1000, "mostly non-zero");
  });
});

describe("clock_time_get", () => {
  test("realtime is now() in ns", () => {
    const { fns, dv } = setup({ now: () => 1_700_000_000_123 });
    assert.equal(fns.clock_time_get(0, 1n, 8), Errno.SUCCESS);
    assert.equal(dv().getBigUint64(8, true), 1_700_000_000_123_000_000n);
  });
  test("monotonic never goes backwards when the wall clock does", () => {
    let t = 2_000;
    const { fns, dv } = setup({ now: () => t });
    fns.clock_time_get(1, 1n, 0);
    const first = dv().getBigUint64(0, true);
    t = 1_000;
    fns.clock_time_get(1, 1n, 0);
    assert.ok(dv().getBigUint64(0, true) >= first);
  });
  test("other clocks are EINVAL", () => {
    const { fns } = setup();
    assert.equal(fns.clock_time_get(2, 1n, 0), Errno.INVAL);
    assert.equal(fns.clock_time_get(3, 1n, 0), Errno.INVAL);
  });
});

describe("poll_oneoff", () => {
  // Subscription: userdata u64 @0, tag u8 @8, clock id u32 @16, timeout u64
  // @24, precision u64 @32, flags u16 @40 (48 bytes). Event: userdata @0,
  // error u16 @8, type u8 @10 (32 bytes).
  function subscribe(dv, at, { userdata, tag, timeout = 0n, flags = 0 }) {
    dv.setBigUint64(at, userdata, true);
    dv.setUint8(at + 8, tag);
    dv.setUint32(at + 16, 1, true);
    dv.setBigUint64(at + 24, timeout, true);
    dv.setUint16(at + 40, flags, true);
  }
  test("a relative clock wait returns at once and advances monotonic time", () => {
    const { fns, dv } = setup({ now: () => 5_000 });
    subscribe(dv(), 1000, { userdata: 7n, tag: 0, timeout: 20_000_000n });
    fns.clock_time_get(1, 1n, 0);
    const before = dv().getBigUint64(0, true);
    const start = performance.now();
    assert.equal(fns.poll_oneoff(1000, 2000, 1, 3000), Errno.SUCCESS);
    assert.ok(performance.now() - start < 5, "did not block");
    assert.equal(dv().getUint32(3000, true), 1);
    assert.equal(dv().getBigUint64(2000, true), 7n);
    assert.equal(dv().getUint16(2008, true), Errno.SUCCESS);
    assert.equal(dv().getUint8(2010), 0);
    fns.clock_time_get(1, 1n, 0);
    assert.equal(dv().getBigUint64(0, true) - before, 20_000_000n);
    fns.clock_time_get(0, 1n, 0);
    assert.equal(dv().getBigUint64(0, true), 5_000_000_000n, "wall clock is not skewed");
  });
  test("an absolute wait in the past adds nothing; fd subscriptions get EBADF", () => {
    const { fns, dv } = setup({ now: () => 5_000 });
    subscribe(dv(), 1000, { userdata: 1n, tag: 0, timeout: 1n, flags: 1 });
    subscribe(dv(), 1048, { userdata: 2n, tag: 1 });
    assert.equal(fns.poll_oneoff(1000, 2000, 2, 3000), Errno.SUCCESS);
    assert.equal(dv().getUint32(3000, true), 2);
    assert.equal(dv().getUint16(2008, true), Errno.SUCCESS);
    assert.equal(dv().getBigUint64(2032, true), 2n);
    assert.equal(dv().getUint16(2040, true), Errno.BADF);
    assert.equal(dv().getUint8(2042), 1);
    fns.clock_time_get(1, 1n, 0);
    assert.equal(dv().getBigUint64(0, true), 5_000_000_000n);
  });
  test("no subscriptions is EINVAL", () => {
    const { fns } = setup();
    assert.equal(fns.poll_oneoff(0, 0, 0, 0), Errno.INVAL);
  });
});

describe("fd_write", () => {
  function iovs(memory, parts) {
    const dv = new DataView(memory.buffer);
    let data = 4096;
    parts.forEach((p, i) => {
      const b = new TextEncoder().encode(p);
      new Uint8Array(memory.buffer).set(b, data);
      dv.setUint32(100 + i * 8, data, true);
      dv.setUint32(104 + i * 8, b.length, true);
      data += b.length;
    });
  }
  const cases = [
    { name: "stdout goes to the sink", fd: 1, errno: Errno.SUCCESS, seen: "hello world" },
    { name: "stderr goes to the sink", fd: 2, errno: Errno.SUCCESS, seen: "hello world" },
    { name: "other fds are EBADF", fd: 3, errno: Errno.BADF, seen: "" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      let seen = "";
      const { fns, memory, dv } = setup({ output: (fd, b) => (seen += new TextDecoder().decode(b)) });
      iovs(memory, ["hello ", "world"]);
      assert.equal(fns.fd_write(c.fd, 100, 2, 200), c.errno);
      assert.equal(seen, c.seen);
      if (c.errno === Errno.SUCCESS) assert.equal(dv().getUint32(200, true), 11);
    });
  }
  test("without a sink output is dropped but counted", () => {
    const { fns, memory, dv } = setup();
    iovs(memory, ["abc"]);
    assert.equal(fns.fd_write(2, 100, 1, 200), Errno.SUCCESS);
    assert.equal(dv().getUint32(200, true), 3);
  });
});

test("no file system: prestat and path calls are EBADF", () => {
  const { fns } = setup();
  for (const [fn, args] of [
    ["fd_prestat_get", [3, 0]],
    ["fd_prestat_dir_name", [3, 0, 0]],
    ["path_open", [3, 0, 0, 0, 0, 0n, 0n, 0, 0]],
    ["path_filestat_get", [3, 0, 0, 0, 0]],
    ["fd_read", [0, 0, 0, 0]],
    ["fd_close", [3]],
  ]) {
    assert.equal(fns[fn](...args), Errno.BADF, fn);
  }
});

test("stdio fdstat is a character device; others EBADF", () => {
  const { fns, dv } = setup();
  assert.equal(fns.fd_fdstat_get(1, 64), Errno.SUCCESS);
  assert.equal(dv().getUint8(64), 2);
  assert.equal(fns.fd_fdstat_get(3, 64), Errno.BADF);
  assert.equal(fns.fd_fdstat_set_flags(1, 4), Errno.SUCCESS);
  assert.equal(fns.fd_fdstat_set_flags(9, 4), Errno.BADF);
});

test("args and environ are empty", () => {
  const { fns, dv } = setup();
  dv().setUint32(0, 99, true);
  dv().setUint32(4, 99, true);
  fns.args_sizes_get(0, 4);
  assert.deepEqual([dv().getUint32(0, true), dv().getUint32(4, true)], [0, 0]);
  dv().setUint32(0, 99, true);
  fns.environ_sizes_get(0, 4);
  assert.equal(dv().getUint32(0, true), 0);
});

test("proc_exit throws WasiExit with the code", () => {
  const { fns } = setup();
  assert.throws(() => fns.proc_exit(2), (e) => e instanceof WasiExit && e.code === 2);
});
