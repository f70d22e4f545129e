/**
 * WebAssembly SIMD versions of the attack loop's element-wise passes, run directly on the tfjs wasm backend's memory.
 *
 * Why: the heap kernels (heap-kernels.ts) are JavaScript loops. At batch 256 the L∞ sign step with its projection
 * took ~1.9 ms per step (8.6 ns per value, CPU profile of PGD-20 on mnist-cnn in Node wasm): once the iterate sits on
 * the ε-box, the sign and clamp branches are unpredictable, and V8 does not turn them into selects. On two threads
 * XNNPACK's convolutions shrink and these single-threaded passes became about a third of a PGD step. Four lanes at a
 * time with comparison masks and pmin/pmax have no branch on the data.
 *
 * The module is a few hundred bytes, assembled here (no toolchain, nothing fetched) and instantiated against the
 * backend's own WebAssembly.Memory, so the kernels read and write tfjs tensors in place by byte address: no copy.
 * Each function computes what its JavaScript twin computes, bit for bit except where said (tested against them):
 *
 * - signStepInBox(out, x, g, step, lo, hi, rows, per): out = min(max(x + α_r·sign(g), lo), hi) with the JS
 *   comparison semantics (`v < lo ? lo : v`, then `v > hi ? hi : v`), which are exactly pmax(v, lo) and
 *   pmin(v, hi); sign(±0) = sign(NaN) = 0 from the two comparison masks; float32 sums, as Math.fround of the exact
 *   double sum (a sum of two float32 rounds the same either way).
 * - clampInto(out, t, lo, hi, n): min(max(t, lo), hi) with the same semantics.
 * - copyBlocks(dst, src, table, entries, images, imageStride, blockBytes): for each image and each table entry in
 *   order, copies blockBytes from src + image·imageStride + table[entry] to the next place in dst — a gather of
 *   whole channel blocks (the phase interleave of the input-gradient convolution, wasm-fast-kernels.ts). Bits are
 *   copied as they are.
 * - rowNorms(out, a, b, rows, per, threshold): per row of a − b, ‖·‖∞ to out[r], ‖·‖₂ to out[rows + r] and the count
 *   of |δ| > threshold to out[2·rows + r]. δ and |δ| in float32 and the maximum ignoring NaN, as normsOfValues
 *   (perturbation.ts) does; the sum of squares in float64 as there, in another order (two lanes, pairs of values),
 *   so ‖·‖₂ may differ from it in the last bit of its float32 after rounding (tested to 1e-7 relative). The
 *   caller passes the largest float32 not above the JavaScript threshold, so that `|δ| > threshold` agrees.
 *
 * All but copyBlocks need the per-row length (or the count) to be a multiple of 4; callers fall back to JavaScript
 * otherwise, on backends other than wasm, and where the engine has no SIMD.
 */

/** The tfjs wasm backend's emscripten module, as far as it is used here. */
interface EmscriptenModule {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

export interface SimdKernels {
  /** The memory the kernels address: views on other buffers must not be passed. */
  memory: WebAssembly.Memory;
  signStepInBox(out: number, x: number, g: number, step: number, lo: number, hi: number, rows: number, per: number): void;
  clampInto(out: number, t: number, lo: number, hi: number, n: number): void;
  copyBlocks(dst: number, src: number, table: number, entries: number, images: number, imageStride: number, blockBytes: number): void;
  rowNorms(out: number, a: number, b: number, rows: number, per: number, threshold: number): void;
}

// ---- a minimal assembler: just what these functions use ----------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Load: [0x28, 0x02, 0x00],
  i32Store: [0x36, 0x02, 0x00],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  f32Load: [0x2a, 0x02, 0x00], // align 2^2, offset 0
  f32Store: [0x38, 0x02, 0x00],
  f32Max: [0x97],
  f64Add: [0xa0],
  f64Sqrt: [0x9f],
  f32DemoteF64: [0xb6],
  f32ConvertI32S: [0xb2],
  i32Sub: [0x6b],
  simd: (code: number) => [0xfd, ...uleb(code)],
};
const v128Load = [...op.simd(0x00), 0x00, 0x00]; // align 1 (tensors are 4-byte aligned, not 16), offset 0
const v128Store = [...op.simd(0x0b), 0x00, 0x00];
const v128Zero = [...op.simd(0x0c), ...new Array<number>(16).fill(0)];
const f32x4 = { splat: op.simd(0x13), lt: op.simd(0x43), gt: op.simd(0x44), neg: op.simd(0xe1), add: op.simd(0xe4), pmin: op.simd(0xea), pmax: op.simd(0xeb) };
const v128 = { and: op.simd(0x4e), or: op.simd(0x50) };
const f32x4Sub = op.simd(0xe5);
const f32x4Abs = op.simd(0xe0);
const f32x4Lane = (lane: number) => [...op.simd(0x1f), lane];
const f64x2 = { add: op.simd(0xf0), mul: op.simd(0xf2), promoteLow: op.simd(0x5f), lane: (lane: number) => [...op.simd(0x21), lane] };
const i32x4 = { add: op.simd(0xae), sub: op.simd(0xb1), lane: (lane: number) => [...op.simd(0x1b), lane] };
/** i8x16.shuffle that moves lanes 2 and 3 of a f32x4 to lanes 0 and 1. */
const highPairToLow = [...op.simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

/** `for (; i < end; i += by) body` with i and end in locals. */
function loopBy(iLocal: number, endLocal: number, by: number, body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(iLocal), ...op.get(endLocal), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...op.get(iLocal), ...op.i32(by), ...op.i32Add, ...op.set(iLocal),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** Loads the v128 at (pointer local + off local). */
const loadAt = (ptr: number, off: number) => [...op.get(ptr), ...op.get(off), ...op.i32Add, ...v128Load];

function signStepBody(): number[] {
  // params: 0 out, 1 x, 2 g, 3 step, 4 lo, 5 hi, 6 rows, 7 per; locals: 8 off, 9 rowEnd, 10 r (i32), 11 α, 12 −α, 13 g (v128)
  const [OUT, X, G, STEP, LO, HI, ROWS, PER, OFF, END, R, A, NA, GV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const element = [
    ...op.get(OUT), ...op.get(OFF), ...op.i32Add, // the store's address
    ...loadAt(G, OFF), ...op.set(GV),
    ...op.get(GV), ...v128Zero, ...f32x4.gt, ...op.get(A), ...v128.and,
    ...op.get(GV), ...v128Zero, ...f32x4.lt, ...op.get(NA), ...v128.and,
    ...v128.or, // α·sign(g): α where g > 0, −α where g < 0, 0 for ±0 and NaN
    ...loadAt(X, OFF), ...f32x4.add,
    ...loadAt(LO, OFF), ...f32x4.pmax, // v < lo ? lo : v
    ...loadAt(HI, OFF), ...f32x4.pmin, // hi < v ? hi : v
    ...v128Store,
  ];
  const row = [
    ...op.get(STEP), ...op.get(R), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.f32Load,
    ...f32x4.splat, ...op.tee(A), ...f32x4.neg, ...op.set(NA),
    ...op.get(OFF), ...op.get(PER), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(END),
    ...loopBy(OFF, END, 16, element),
    ...op.get(R), ...op.i32(1), ...op.i32Add, ...op.set(R),
  ];
  const body = [
    ...op.block,
    ...op.loop,
    ...op.get(R), ...op.get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...row,
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return [...vec([[3, I32], [3, V128]]), ...body];
}

function clampBody(): number[] {
  // params: 0 out, 1 t, 2 lo, 3 hi, 4 n; locals: 5 off, 6 end
  const [OUT, T, LO, HI, N, OFF, END] = [0, 1, 2, 3, 4, 5, 6];
  const element = [
    ...op.get(OUT), ...op.get(OFF), ...op.i32Add,
    ...loadAt(T, OFF), ...loadAt(LO, OFF), ...f32x4.pmax, ...loadAt(HI, OFF), ...f32x4.pmin,
    ...v128Store,
  ];
  const body = [...op.get(N), ...op.i32(2), ...op.i32Shl, ...op.set(END), ...loopBy(OFF, END, 16, element), ...op.end];
  return [...vec([[2, I32]]), ...body];
}

function copyBlocksBody(): number[] {
  // params: 0 dst, 1 src, 2 table, 3 entries, 4 images, 5 imageStride, 6 blockBytes;
  // locals: 7 image, 8 entry byte, 9 entries' bytes, 10 block source, 11 k, 12 vector bytes, 13 image source
  const [DST, SRC, TABLE, ENTRIES, IMAGES, STRIDE, BLOCK, IMG, E, EEND, S, K, VEND, SIMG] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const vectorCopy = [...op.get(DST), ...op.get(K), ...op.i32Add, ...loadAt(S, K), ...v128Store];
  const wordCopy = [...op.get(DST), ...op.get(K), ...op.i32Add, ...op.get(S), ...op.get(K), ...op.i32Add, ...op.i32Load, ...op.i32Store];
  const entry = [
    ...op.get(SIMG), ...op.get(TABLE), ...op.get(E), ...op.i32Add, ...op.i32Load, ...op.i32Add, ...op.set(S),
    ...op.i32(0), ...op.set(K),
    ...loopBy(K, VEND, 16, vectorCopy),
    ...loopBy(K, BLOCK, 4, wordCopy),
    ...op.get(DST), ...op.get(BLOCK), ...op.i32Add, ...op.set(DST),
  ];
  const image = [
    ...op.get(SRC), ...op.get(IMG), ...op.get(STRIDE), ...op.i32Mul, ...op.i32Add, ...op.set(SIMG),
    ...op.i32(0), ...op.set(E),
    ...loopBy(E, EEND, 4, entry),
  ];
  const body = [
    ...op.get(BLOCK), ...op.i32(~15), ...op.i32And, ...op.set(VEND),
    ...op.get(ENTRIES), ...op.i32(2), ...op.i32Shl, ...op.set(EEND),
    ...loopBy(IMG, IMAGES, 1, image),
    ...op.end,
  ];
  return [...vec([[7, I32]]), ...body];
}

function rowNormsBody(): number[] {
  // params: 0 out, 1 a, 2 b, 3 rows, 4 per, 5 threshold (f32);
  // locals: i32 6 off, 7 end, 8 r; v128 9 max, 10 sum of squares (f64x2), 11 count (i32x4), 12 |δ|, 13 threshold, 14 pair
  const [OUT, A, B, ROWS, PER, THRESHOLD, OFF, END, R, MAX, SQ, COUNT, D, THR, PAIR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const square = (source: number[]) => [...op.get(SQ), ...source, ...f64x2.promoteLow, ...op.tee(PAIR), ...op.get(PAIR), ...f64x2.mul, ...f64x2.add, ...op.set(SQ)];
  const element = [
    ...loadAt(A, OFF), ...loadAt(B, OFF), ...f32x4Sub, ...f32x4Abs, ...op.set(D),
    ...op.get(MAX), ...op.get(D), ...f32x4.pmax, ...op.set(MAX), // max < |δ| ? |δ| : max — NaN never taken
    ...square(op.get(D)),
    ...square([...op.get(D), ...op.get(D), ...highPairToLow]),
    ...op.get(COUNT), ...op.get(D), ...op.get(THR), ...f32x4.gt, ...i32x4.sub, ...op.set(COUNT), // masks are −1
  ];
  /** The address of out[k·rows + r]. */
  const outAt = (k: number) => [...op.get(OUT), ...op.get(ROWS), ...op.i32(k), ...op.i32Mul, ...op.get(R), ...op.i32Add, ...op.i32(2), ...op.i32Shl, ...op.i32Add];
  const row = [
    ...v128Zero, ...op.set(MAX), ...v128Zero, ...op.set(SQ), ...v128Zero, ...op.set(COUNT),
    ...op.get(OFF), ...op.get(PER), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.set(END),
    ...loopBy(OFF, END, 16, element),
    ...outAt(0),
    ...op.get(MAX), ...f32x4Lane(0), ...op.get(MAX), ...f32x4Lane(1), ...op.f32Max, ...op.get(MAX), ...f32x4Lane(2), ...op.get(MAX), ...f32x4Lane(3), ...op.f32Max, ...op.f32Max,
    ...op.f32Store,
    ...outAt(1),
    ...op.get(SQ), ...f64x2.lane(0), ...op.get(SQ), ...f64x2.lane(1), ...op.f64Add, ...op.f64Sqrt, ...op.f32DemoteF64,
    ...op.f32Store,
    ...outAt(2),
    ...op.get(COUNT), ...i32x4.lane(0), ...op.get(COUNT), ...i32x4.lane(1), ...op.i32Add, ...op.get(COUNT), ...i32x4.lane(2), ...op.i32Add, ...op.get(COUNT), ...i32x4.lane(3), ...op.i32Add,
    ...op.f32ConvertI32S,
    ...op.f32Store,
  ];
  const body = [...op.get(THRESHOLD), ...f32x4.splat, ...op.set(THR), ...loopBy(R, ROWS, 1, row), ...op.end];
  return [...vec([[3, I32], [6, V128]]), ...body];
}

/** The module's bytes, importing env.memory as shared (threaded builds) or not. */
export function simdModuleBytes(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const types = vec([
    [0x60, ...vec(new Array<number[]>(8).fill([I32])), 0x00],
    [0x60, ...vec(new Array<number[]>(5).fill([I32])), 0x00],
    [0x60, ...vec(new Array<number[]>(7).fill([I32])), 0x00],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [F32]]), 0x00],
  ]);
  // Limits: shared memories must declare a maximum (65536 pages, the most a 32-bit memory can have).
  const limits = sharedMemory ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  const imports = vec([[...str('env'), ...str('memory'), 0x02, ...limits]]);
  const funcs = vec([uleb(0), uleb(1), uleb(2), uleb(3)]);
  const exports = vec([
    [...str('signStepInBox'), 0x00, ...uleb(0)],
    [...str('clampInto'), 0x00, ...uleb(1)],
    [...str('copyBlocks'), 0x00, ...uleb(2)],
    [...str('rowNorms'), 0x00, ...uleb(3)],
  ]);
  const code = vec([signStepBody(), clampBody(), copyBlocksBody(), rowNormsBody()].map((b) => [...uleb(b.length), ...b]));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

const bound = new WeakMap<WebAssembly.Memory, SimdKernels | null>();
let enabled = true;

/** Turns the SIMD kernels off (every caller then runs its JavaScript loop) or back on: for tests and A/B timings. */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** The memory of the tfjs wasm backend's module (threaded builds keep it on the module, the others export it). */
export function wasmBackendMemory(module: unknown): WebAssembly.Memory | null {
  const m = module as EmscriptenModule | null;
  const memory = m?.wasmMemory ?? m?.asm?.memory ?? null;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/**
 * The SIMD kernels bound to `memory`, or null where WebAssembly SIMD (or, for a shared memory, threads) is not
 * available. Compiled once per memory; a failure is remembered, so callers can ask on every call.
 */
export function simdKernelsFor(memory: WebAssembly.Memory | null): SimdKernels | null {
  if (!memory || !enabled) return null;
  const known = bound.get(memory);
  if (known !== undefined) return known;
  let kernels: SimdKernels | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = simdModuleBytes(shared);
    if (WebAssembly.validate(bytes)) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      const e = instance.exports as unknown as Omit<SimdKernels, 'memory'>;
      kernels = { memory, signStepInBox: e.signStepInBox, clampInto: e.clampInto, copyBlocks: e.copyBlocks, rowNorms: e.rowNorms };
    }
  } catch {
    kernels = null; // no SIMD, or a CSP without 'wasm-unsafe-eval': the JavaScript loops serve
  }
  bound.set(memory, kernels);
  return kernels;
}

/** Whether every view lies in `memory` (its current buffer: growing the memory detaches older views). */
export function viewsIn(memory: WebAssembly.Memory, views: ArrayLike<number>[]): views is Float32Array[] {
  const buffer = memory.buffer;
  return views.every((v) => v instanceof Float32Array && v.buffer === buffer);
}
