// A tiny WebAssembly binary writer for tests: just enough to make modules that
// break the ABI in precise ways (wrong version, bad output, foreign imports)
// without a toolchain. Every function has type () or (i32...) -> i32|i64 and a
// body of raw opcodes.

const enc = new TextEncoder();

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb64(v) {
  v = BigInt(v);
  const out = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const toBytes = (b) => (typeof b === "string" ? enc.encode(b) : b);
const name = (s) => [...uleb(enc.encode(s).length), ...enc.encode(s)];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];

export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes for bodies. */
export const op = {
  i32: (n) => [0x41, ...sleb64(n)],
  i64: (n) => [0x42, ...sleb64(n)],
  unreachable: [0x00],
  localGet: (i) => [0x20, ...uleb(i)],
  call: (i) => [0x10, ...uleb(i)],
  drop: [0x1a],
};

/**
 * Builds a module.
 * @param {object} spec
 * @param {{module: string, name: string, params: number[], results: number[]}[]} [spec.imports]
 * @param {{name: string, params: number[], results: number[], body: number[]}[]} spec.funcs
 * @param {number} [spec.memoryPages] exported as "memory" when set
 * @param {{offset: number, bytes: string | Uint8Array}[]} [spec.data]
 * @returns {Uint8Array}
 */
export function buildModule({ imports = [], funcs, memoryPages, data = [] }) {
  const sigs = [...imports, ...funcs].map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  bytes.push(...section(1, vec(sigs)));
  if (imports.length) {
    bytes.push(...section(2, vec(imports.map((im, i) => [...name(im.module), ...name(im.name), 0x00, ...uleb(i)]))));
  }
  bytes.push(...section(3, vec(funcs.map((_, i) => uleb(imports.length + i)))));
  if (memoryPages !== undefined) bytes.push(...section(5, vec([[0x00, ...uleb(memoryPages)]])));
  const exports = funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(imports.length + i)]);
  if (memoryPages !== undefined) exports.push([...name("memory"), 0x02, 0x00]);
  bytes.push(...section(7, vec(exports)));
  const bodies = funcs.map((f) => {
    const body = [0x00, ...f.body, 0x0b]; // no locals
    return [...uleb(body.length), ...body];
  });
  bytes.push(...section(10, vec(bodies)));
  if (data.length) {
    const segs = data.map((d) => [0x00, 0x41, ...sleb64(d.offset), 0x0b, ...vec([...toBytes(d.bytes)].map((b) => [b]))]);
    bytes.push(...section(11, vec(segs)));
  }
  return new Uint8Array(bytes);
}

/**
 * An ABI-shaped module whose exports answer fixed values: abi version, and
 * configure/authorize returning the packed (ptr, len) of `output` (a string
 * or raw bytes) placed at 1024.
 */
export function fakeABIModule({ version = 1, output = '{"ok":true}', packed, authorizeBody, imports = [] } = {}) {
  const result = packed ?? (1024n << 32n) | BigInt(toBytes(output).length);
  return buildModule({
    imports,
    memoryPages: 1,
    data: [{ offset: 1024, bytes: output }],
    funcs: [
      { name: "_initialize", params: [], results: [], body: [] },
      { name: "edgeauth_abi_version", params: [], results: [I32], body: op.i32(version) },
      { name: "edgeauth_alloc", params: [I32], results: [I32], body: op.i32(4096) },
      { name: "edgeauth_free", params: [I32], results: [], body: [] },
      { name: "edgeauth_configure", params: [I32, I32], results: [I64], body: op.i64(result) },
      { name: "edgeauth_authorize", params: [I32, I32], results: [I64], body: authorizeBody ?? op.i64(result) },
    ],
  });
}
