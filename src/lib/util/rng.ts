/**
 * A small seeded pseudo-random generator (mulberry32) so that toy data, attacks' random starts and training
 * shuffles are reproducible from one integer seed, in Node, in the worker and in tests alike.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** A new 32-bit seed drawn from this stream, for seeding tfjs ops or child generators. */
  seed(): number;
  /** Fisher–Yates shuffle in place. */
  shuffle<T>(arr: T[] | Int32Array | Uint32Array): void;
  /** The generator's position, so that a resumed training run continues the same stream (see restoreRng). */
  snapshot(): RngSnapshot;
}

export interface RngSnapshot {
  state: number;
  spare: number | null;
}

export function createRng(seed: number, from?: RngSnapshot): Rng {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  let state = from ? from.state >>> 0 : (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  let spare: number | null = from ? from.spare : null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    seed: () => Math.floor(next() * 2147483647),
    shuffle(arr) {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = arr[i];
        arr[i] = arr[j];
        arr[j] = tmp;
      }
    },
    snapshot: () => ({ state, spare }),
  };
  return rng;
}
