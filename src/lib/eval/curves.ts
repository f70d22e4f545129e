/**
 * Robust accuracy against ε for several models and attacks at once, streamed point by point so a chart can grow
 * while the work goes on.
 *
 * The loop runs ε in ascending order on the outside and (model, attack) inside, so every curve grows together.
 * Per (model, attack) it keeps which examples are already broken: an example broken at a smaller ε stays broken at
 * a larger one (its perturbation lies in the larger ball), so each ε attacks only the examples still standing,
 * in chunks of at most `batchSize`. Curves are therefore non-increasing by construction. ε = 0 is the clean
 * accuracy (no attack can move an input with no budget), so it costs one forward pass per model.
 *
 * Minimisation attacks (C&W, DeepFool) find one perturbation per example and clip it to each ε: they run once on
 * the whole grid, and their points are released as the loop reaches each ε.
 *
 * Robust accuracy counts clean errors as failures. The signal is checked between chunks, and attacks check it
 * between steps, so a cancel lands within one attack step.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackOptions, AttackSpec } from '../attacks/types';
import type { ExampleSet } from '../data/examples';
import { checkpoint } from '../util/checkpoint';
import { bucketSize, fixedShapesByDefault, padRows } from '../attacks/batch';

export interface CurveModel {
  id: string;
  model: AttackModel;
}

export interface CurveAttackRun {
  /** Unique key of this series' attack (usually the registry id). */
  key: string;
  spec: AttackSpec;
  /** Options for every call (ε, signal and seed are set by the loop). */
  options: Omit<AttackOptions, 'epsilons' | 'signal' | 'onStep'>;
}

export interface CurveRequest {
  models: CurveModel[];
  attacks: CurveAttackRun[];
  /** Budgets in the attacks' norm; 0 is added when absent, duplicates are removed, order does not matter. */
  epsilons: number[];
  data: ExampleSet;
  /** The first n examples of data are evaluated. */
  n: number;
  /** Examples per attack call (default 100). */
  batchSize?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called once per finished (model, attack, ε) point, in the order they finish. */
  onPoint?: (p: CurvePoint) => void;
  /** Examples processed so far out of the total (models × attacks × ε × n), with a phase line. */
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface CurvePoint {
  model: string;
  attack: string;
  epsilon: number;
  robustAccuracy: number;
  /** Examples still robust (correct and not broken). */
  robust: number;
  n: number;
  /** 1 where the example is broken at this ε (clean errors included). */
  success: Uint8Array;
  /** Seconds this point took. */
  seconds: number;
}

export interface CurveResult {
  epsilons: number[];
  points: CurvePoint[];
  /** Per model: 1 where the clean input is classified correctly. */
  cleanCorrect: Record<string, Uint8Array>;
  seconds: number;
}

/** Sorted unique budgets with 0 first. */
export function normaliseEpsilons(epsilons: number[]): number[] {
  if (!Array.isArray(epsilons) || epsilons.length === 0) throw new Error('epsilons must be a non-empty list of numbers ≥ 0');
  epsilons.forEach((e, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e) || e < 0) throw new Error(`epsilons[${i}] must be a finite number ≥ 0, got ${e}`);
  });
  const unique = [...new Set([0, ...epsilons.map((e) => Number(e.toPrecision(12)))])];
  return unique.sort((a, b) => a - b);
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function count(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) c++;
  return c;
}

/** 1 where the model classifies example i of [0, n) correctly; evaluated in chunks of batchSize. */
export async function cleanCorrectMask(
  model: AttackModel,
  data: ExampleSet,
  n: number,
  batchSize: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  for (let start = 0; start < n; start += batchSize) {
    await checkpoint(signal);
    const end = Math.min(n, start + batchSize);
    const { x, y } = data.batch(range(start, end));
    const pred = tf.tidy(() => tf.argMax(model.logits(x), 1));
    try {
      const [p, labels] = await Promise.all([pred.data(), y.data()]);
      for (let i = 0; i < end - start; i++) out[start + i] = p[i] === labels[i] ? 1 : 0;
    } finally {
      tf.dispose([x, y, pred]);
    }
  }
  return out;
}

function range(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}

function rowsWhere(mask: Uint8Array, value: 0 | 1): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) out.push(i);
  return out;
}

/**
 * Runs one attack call on the given examples at the given budgets; returns one success mask per budget, in the
 * order of `epsilons`, indexed like `rows`.
 */
async function attackRows(
  model: AttackModel,
  attack: CurveAttackRun,
  data: ExampleSet,
  rows: number[],
  epsilons: number[],
  seed: number,
  signal: AbortSignal | undefined,
  /** The largest batch a call gets (the bucket cap). */
  batchCap: number,
): Promise<Uint8Array[]> {
  // On WebGPU/WebGL the rows still standing are padded to a bucket (repeating the first), as the ε-curve driver
  // pads its own: every new batch size is buffers the WebGPU pool keeps for good. The padding's results are dropped.
  const work = (attack.options.fixedShapes ?? fixedShapesByDefault()) && rows.length > 0 ? Array.from(padRows(Int32Array.from(rows), bucketSize(rows.length, batchCap))) : rows;
  const { x, y } = data.batch(work);
  try {
    const labels = (await y.data()) as Int32Array;
    const result = await attack.spec.run(model, x, Int32Array.from(labels), { ...attack.options, epsilons, seed, signal });
    for (const r of result.results) r.adversarial.dispose();
    return result.results.map((r) => r.success.slice(0, rows.length));
  } finally {
    tf.dispose([x, y]);
  }
}

/** Computes the curves, calling onPoint as each point is done. Rejects with CancelledError on cancel. */
export async function robustnessCurves(req: CurveRequest): Promise<CurveResult> {
  const { models, attacks, data, n, signal } = req;
  const batchSize = req.batchSize ?? 100;
  const seed = req.seed ?? 0;
  if (!Array.isArray(models) || models.length === 0) throw new Error('models must list at least one model');
  if (!Array.isArray(attacks) || attacks.length === 0) throw new Error('attacks must list at least one attack');
  if (new Set(models.map((m) => m.id)).size !== models.length) throw new Error('models: each model may appear only once');
  if (new Set(attacks.map((a) => a.key)).size !== attacks.length) throw new Error('attacks: each attack key may appear only once');
  if (!Number.isInteger(n) || n < 1 || n > data.count) throw new Error(`n must be an integer in 1–${data.count}, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const epsilons = normaliseEpsilons(req.epsilons);
  const started = now();
  const total = models.length * attacks.length * epsilons.length * n;
  let done = 0;
  const progress = (phase: string) => req.onProgress?.(done, total, phase);
  const points: CurvePoint[] = [];
  const emit = (p: CurvePoint) => {
    points.push(p);
    req.onPoint?.(p);
  };

  const cleanCorrect: Record<string, Uint8Array> = {};
  for (const m of models) {
    progress(`Clean accuracy of ${m.id}`);
    const t0 = now();
    cleanCorrect[m.id] = await cleanCorrectMask(m.model, data, n, batchSize, signal);
    const robust = count(cleanCorrect[m.id]);
    for (const a of attacks) {
      done += n;
      emit({
        model: m.id,
        attack: a.key,
        epsilon: 0,
        robustAccuracy: robust / n,
        robust,
        n,
        success: cleanCorrect[m.id].map((c) => 1 - c),
        seconds: (now() - t0) / 1000,
      });
    }
  }

  // Per (model, attack): examples broken so far; minimisation attacks keep their whole curve.
  const broken = new Map<string, Uint8Array>();
  const precomputed = new Map<string, Uint8Array[]>();
  const key = (m: CurveModel, a: CurveAttackRun) => `${m.id}\u0000${a.key}`;
  for (const m of models) for (const a of attacks) broken.set(key(m, a), cleanCorrect[m.id].map((c) => 1 - c));

  const positive = epsilons.filter((e) => e > 0);
  for (let e = 0; e < positive.length; e++) {
    const eps = positive[e];
    for (let mi = 0; mi < models.length; mi++) {
      const m = models[mi];
      for (let ai = 0; ai < attacks.length; ai++) {
        const a = attacks[ai];
        await checkpoint(signal);
        const t0 = now();
        const k = key(m, a);
        const mask = broken.get(k)!;
        const phase = `${a.spec.name} on ${m.id} at ε = ${eps} (point ${points.length + 1} of ${models.length * attacks.length * epsilons.length})`;
        if (a.spec.kind === 'minimization') {
          let curve = precomputed.get(k);
          if (!curve) {
            curve = positive.map(() => new Uint8Array(n));
            const standing = rowsWhere(mask, 0);
            for (let s = 0; s < standing.length; s += batchSize) {
              await checkpoint(signal);
              const rows = standing.slice(s, s + batchSize);
              progress(phase);
              const masks = await attackRows(m.model, a, data, rows, positive, seed + 7919 * ai + rows[0], signal, batchSize);
              masks.forEach((sm, j) => rows.forEach((r, i) => (curve![j][r] = sm[i])));
            }
            precomputed.set(k, curve);
          }
          for (let i = 0; i < n; i++) if (curve[e][i]) mask[i] = 1;
          done += n;
        } else {
          const standing = rowsWhere(mask, 0);
          done += n - standing.length;
          for (let s = 0; s < standing.length; s += batchSize) {
            await checkpoint(signal);
            progress(phase);
            const rows = standing.slice(s, s + batchSize);
            const [sm] = await attackRows(m.model, a, data, rows, [eps], seed + 104729 * e + 7919 * ai + rows[0], signal, batchSize);
            rows.forEach((r, i) => {
              if (sm[i]) mask[r] = 1;
            });
            done += rows.length;
          }
        }
        const robust = n - count(mask);
        emit({ model: m.id, attack: a.key, epsilon: eps, robustAccuracy: robust / n, robust, n, success: mask.slice(), seconds: (now() - t0) / 1000 });
        progress(phase);
      }
    }
  }
  return { epsilons, points, cleanCorrect, seconds: (now() - started) / 1000 };
}
