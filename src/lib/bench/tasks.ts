/**
 * The benchmark tasks of `npm run bench`, run with the project's own library code on whatever tfjs backend is
 * active — the same file serves the Node runner and the browser bench worker.
 *
 * Method: every task runs `warmup` untimed calls (kernel compilation, shader caches, wasm JIT), then timed calls
 * until it has `maxRuns` of them or has spent its time budget (at least `minRuns`). Each timed call ends with a
 * read-back (the attacks and grids read their results; training reads its loss), so asynchronous backends are
 * timed to completion. tf.memory().numTensors is read before the first and after the last timed call: the
 * difference is the leak (0 expected).
 */
import * as tf from '@tensorflow/tfjs';
import { layersModelAsAttackModel } from '../attacks/model-adapter';
import { fgsm } from '../attacks/fgsm';
import { pgd } from '../attacks/pgd';
import type { AttackModel, AttackOptions, AttackSpec } from '../attacks/types';
import { attackPathPieces } from '../attacks/warm-up-pieces';
import { evaluateToyGrid } from '../boundary/grid';
import { evaluateSlice, gradientSignDirection, makeSlicePlane } from '../boundary/slice';
import type { ExampleSet } from '../data/examples';
import type { Bounds2D } from '../data/toy';
import { cloneLayersModel } from '../models/storage';
import { trainModel, type TrainMethod, type TrainOptions } from '../train/train';
import { interleavedRatio, round, skippedRow, summarise, timingRow, type BenchRow, type BenchWhere } from './stats';

const round4 = (v: number) => round(v, 4);
import { flopCounting, forwardFlops, measurePeakGflops } from './flops';

export const BENCH_TASKS = [
  'fgsm',
  'pgd20',
  'fgsm-single',
  'pgd40-single',
  'boundary-toy-100',
  'slice-64',
  'eps-curve',
  'train-fgsm-rs',
  'train-pgd7',
] as const;
export type BenchTask = (typeof BENCH_TASKS)[number];

/**
 * The bench's adversarial-training call: BENCH_SETTINGS.trainStepsPerRun steps of FGSM-RS or PGD-k with Adam at a
 * small constant rate (the timing, not the learning, is what is measured). scripts/bench/tree-ab.ts times the same.
 */
export function benchTrainingOptions(method: Extract<TrainMethod, 'fgsm-rs' | 'pgd'>, batchSize: number): TrainOptions {
  const S = BENCH_SETTINGS;
  return {
    method,
    epochs: 1,
    steps: S.trainStepsPerRun,
    batchSize,
    optimizer: 'adam',
    learningRate: 1e-4,
    schedule: { kind: 'constant' },
    epsilon: S.trainEpsilon,
    attackSteps: S.trainPgdSteps,
    seed: S.seed,
  };
}

/** The attack settings every runner and the PyTorch peer share (L∞, inputs in [0,1]). */
export const BENCH_SETTINGS = {
  /** ε of the throughput runs: large enough to matter, small enough that most images resist all 20 steps. */
  epsilon: 0.1,
  pgdSteps: 20,
  /** Interactive single image: a small ε so the attack runs all its steps (it stops early once the image breaks). */
  singleEpsilon: 0.02,
  singlePgdSteps: 40,
  curveEpsilons: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
  curveSteps: 20,
  curveBatch: 256,
  throughputBatches: [1, 256],
  trainBatch: 128,
  trainEpsilon: 0.1,
  trainPgdSteps: 7,
  /** Training steps per timed call. */
  trainStepsPerRun: 2,
  toyResolution: 100,
  sliceResolution: 64,
  sliceExtent: 0.3,
  seed: 0,
} as const;

/** How much of each task to run on one backend. */
export interface BenchPlan {
  /** Tasks to run; the rest are reported as not run with `skipReason`. */
  tasks: readonly BenchTask[];
  /** Batches of the fgsm/pgd20 throughput tasks. */
  batches: readonly number[];
  warmup: number;
  minRuns: number;
  /**
   * Interleaved with a peer: at least this many pairs whatever the budget (a ratio needs its spread; with three,
   * one slow pair of PyTorch's moved the PGD-20 median across the 2× line).
   */
  minPairs: number;
  maxRuns: number;
  /** Stop adding timed runs once a task has spent this long (after minRuns). */
  budgetMs: number;
  skipReason: string;
}

/** The tasks a slow backend still runs: batch 1, the interactive pair and the toy grid. */
const LIGHT_TASKS: readonly BenchTask[] = ['fgsm', 'pgd20', 'fgsm-single', 'pgd40-single', 'boundary-toy-100'];

/**
 * The plan per backend. wasm (and a real GPU) run everything; the tfjs cpu backend (plain JavaScript, ~15× slower
 * than wasm here) and CPU-emulated GPU adapters (SwiftShader, ~40× slower) run the light set, so that the whole
 * bench stays under 10 minutes.
 */
export function planFor(backend: string, software: boolean): BenchPlan {
  if (backend === 'wasm' || (!software && (backend === 'webgpu' || backend === 'webgl'))) {
    return { tasks: BENCH_TASKS, batches: BENCH_SETTINGS.throughputBatches, warmup: 1, minRuns: 3, minPairs: 5, maxRuns: 10, budgetMs: 3_000, skipReason: '' };
  }
  const why =
    backend === 'cpu'
      ? 'tfjs cpu backend (plain JS, ~15× slower than wasm): light set only, to keep the bench short'
      : 'software GPU adapter (SwiftShader, ~40× slower than wasm): light set only, to keep the bench short';
  return { tasks: LIGHT_TASKS, batches: [1], warmup: 1, minRuns: 1, minPairs: 3, maxRuns: 5, budgetMs: 2_000, skipReason: why };
}

export interface BenchInputs {
  where: BenchWhere;
  backend: string;
  /** mnist-cnn (logits out). */
  model: tf.LayersModel;
  /** MNIST test images, at least 256. */
  images: ExampleSet;
  /** A 2-D classifier for the toy boundary grid, and the box it is drawn over. */
  toyModel: tf.LayersModel;
  toyBounds: Bounds2D;
  plan: BenchPlan;
  /** Time this runner may spend (ms); tasks not started by then are reported as not run. */
  allowanceMs?: number;
  log?: (line: string) => void;
  now?: () => number;
  /**
   * Process CPU time in ms (Node: process.cpuUsage). When given, each note adds the median CPU time per call:
   * on a shared machine wall time grows with the load, CPU time much less.
   */
  cpuClock?: () => number;
  /**
   * The PyTorch peer, run right after each of the project's timed calls of a task it also has (A/B/A/B), so each
   * ratio compares two runs under the same load. Resolves to the peer's ms for one call (null: no figure).
   */
  peer?: (task: string, batch: number) => Promise<number | null>;
}

/** Tasks the PyTorch peer implements (scripts/bench/torch_peer.py). */
export const PEER_TASKS: ReadonlySet<string> = new Set(['fgsm', 'pgd20', 'fgsm-single', 'pgd40-single', 'train-fgsm-rs', 'train-pgd7']);

interface Measured {
  samples: number[];
  /** The peer's ms after each project call (interleaved), when a peer was given. */
  peer: (number | null)[];
  /** A second peer call after each pair (the same-work PGD), when given. */
  peerSameWork: (number | null)[];
  /** CPU ms per call, when a CPU clock was given. */
  cpu: number[];
  leaked: number;
}

/**
 * Warm-up, then timed calls: at least one; more while they fit in `budgetMs` (up to maxRuns), and up to minRuns
 * while that stays within twice the budget — so a slow machine gets fewer runs per task rather than fewer tasks.
 */
async function measure(
  fn: () => Promise<void>,
  plan: BenchPlan,
  budgetMs: number,
  now: () => number,
  cpuClock?: () => number,
  peer?: () => Promise<number | null>,
  peerSameWork?: () => Promise<number | null>,
): Promise<Measured> {
  for (let i = 0; i < plan.warmup; i++) await fn();
  const before = tf.memory().numTensors;
  const samples: number[] = [];
  const peerMs: (number | null)[] = [];
  const sameWorkMs: (number | null)[] = [];
  const cpu: number[] = [];
  const started = now();
  // With a peer the budget covers both sides' calls; each pair runs back to back.
  for (;;) {
    const c0 = cpuClock?.() ?? 0;
    const t0 = now();
    await fn();
    const last = now() - t0;
    samples.push(last);
    if (cpuClock) cpu.push(cpuClock() - c0);
    if (peer) peerMs.push(await peer().catch(() => null));
    if (peerSameWork) sameWorkMs.push(await peerSameWork().catch(() => null));
    const next = now() - started + (now() - t0);
    // Interleaved with the peer, a ratio needs its spread: at least minPairs pairs whatever the budget.
    const more = next <= budgetMs || (peer !== undefined ? samples.length < plan.minPairs : samples.length < plan.minRuns && next <= 2 * budgetMs);
    if (samples.length >= plan.maxRuns || !more) break;
  }
  return { samples, cpu, peer: peerMs, peerSameWork: sameWorkMs, leaked: tf.memory().numTensors - before };
}

/** "; CPU 12.3 ms per call (median)" when CPU times were taken; scaled like the row (e.g. per training step). */
function cpuNote(m: Measured, scale = 1): string {
  if (m.cpu.length === 0) return '';
  return `; CPU ${summarise(m.cpu.map((c) => c * scale)).median.toFixed(1)} ms (median)`;
}

function firstN(images: ExampleSet, n: number): { x: tf.Tensor; labels: Int32Array; y: tf.Tensor1D } {
  const { x, y } = images.batch(Int32Array.from({ length: n }, (_, i) => i));
  return { x, y, labels: new Int32Array(0) };
}

async function labelsOf(y: tf.Tensor1D): Promise<Int32Array> {
  return Int32Array.from(await y.data());
}

/** Runs one attack call, disposes its outputs; returns the steps its loop took and the success rate. */
async function attackOnce(
  spec: AttackSpec,
  model: AttackModel,
  x: tf.Tensor,
  labels: Int32Array,
  opts: AttackOptions,
): Promise<{ steps: number; success: number }> {
  let steps = 0;
  const result = await spec.run(model, x, labels, { ...opts, onStep: () => void steps++ });
  let broken = 0;
  for (const r of result.results) r.adversarial.dispose();
  const last = result.results[result.results.length - 1];
  for (let i = 0; i < last.success.length; i++) broken += last.success[i];
  return { steps, success: broken / last.success.length };
}

export async function runBenchTasks(inp: BenchInputs): Promise<BenchRow[]> {
  const now = inp.now ?? (() => performance.now());
  const log = inp.log ?? (() => undefined);
  const { plan, where, backend } = inp;
  const S = BENCH_SETTINGS;
  const F = forwardFlops(inp.model);
  const counter = flopCounting(layersModelAsAttackModel(inp.model), F);
  const model = counter.model;
  const rows: BenchRow[] = [];
  // The arithmetic peak of this backend, measured first (a 1024³ matMul), against which every row is set.
  // Light plans (tfjs cpu, software GPU adapters) are ~40× slower: a 256³ product keeps the probe to seconds.
  const peak = await measurePeakGflops(plan.skipReason ? 256 : 1024);
  log(`${where}/${backend} peak: ${peak.gflops.toFixed(1)} GFLOP/s (matMul ${peak.n}³, ${peak.ms.toFixed(1)} ms)`);
  const peakRow = timingRow(
    { task: 'peak-matmul', where, backend, batch: null, note: `${peak.n}×${peak.n}·${peak.n}×${peak.n} matMul: ${peak.gflops.toFixed(1)} GFLOP/s, the reference for "% of peak"` },
    [peak.ms],
    null,
    null,
  );
  rows.push({ ...peakRow, gflop_per_call: round4((2 * peak.n ** 3) / 1e9), share_of_peak: 1 });
  /** The row with its FLOPs and share of the peak, and the interleaved peer comparison when there was one. */
  const finish = (row: BenchRow, flopsPerCall: number | null, m?: Measured, items?: number): BenchRow => {
    const out: BenchRow = { ...row };
    if (flopsPerCall !== null && row.median_ms) {
      out.gflop_per_call = round4(flopsPerCall / 1e9);
      out.share_of_peak = round4(flopsPerCall / 1e9 / (row.median_ms / 1000) / peak.gflops);
    }
    if (m && items && m.peer.length > 0) {
      const cmp = interleavedRatio(m.samples, m.peer, items);
      if (cmp) Object.assign(out, cmp);
      const same = m.peerSameWork.length > 0 ? interleavedRatio(m.samples, m.peerSameWork, items) : null;
      if (same) Object.assign(out, { ratio_same_work: same.ratio_to_peer, ratio_same_work_min: same.ratio_min, ratio_same_work_max: same.ratio_max });
    }
    return out;
  };
  const peerFor = (task: BenchTask, batch: number) => (inp.peer && PEER_TASKS.has(task) ? () => inp.peer!(task, batch) : undefined);
  const base = (task: BenchTask, batch: number | null) => ({ task, where, backend, batch });
  const deadline = now() + (inp.allowanceMs ?? Infinity);
  // Each task's time budget: the plan's, or less when the allowance left must be shared by the tasks still to run.
  const runsLeft = () => plan.tasks.filter((t) => !rows.some((r) => r.task === t)).length || 1;
  const budget = () => Math.max(0, Math.min(plan.budgetMs, (deadline - now()) / runsLeft()));
  let lateNote = '';
  const want = (t: BenchTask) => {
    if (!plan.tasks.includes(t)) return false;
    if (now() > deadline) {
      lateNote = `time allowance of ${Math.round((inp.allowanceMs ?? 0) / 1000)} s used up`;
      return false;
    }
    return true;
  };

  const maxBatch = Math.max(S.curveBatch, ...plan.batches);
  const { x: xAll, y: yAll } = firstN(inp.images, maxBatch);
  const labelsAll = await labelsOf(yAll);
  yAll.dispose();
  const take = (n: number) => ({ x: tf.tidy(() => xAll.slice(0, n)), labels: labelsAll.slice(0, n) });

  const attackTask = async (task: BenchTask, spec: AttackSpec, batch: number, opts: AttackOptions, describe: string) => {
    if (!want(task)) return;
    const { x, labels } = take(batch);
    try {
      let last = { steps: 0, success: 0 };
      counter.take();
      let calls = 0;
      const m = await measure(async () => {
        calls++;
        last = await attackOnce(spec, model, x, labels, opts);
      }, plan, budget(), now, inp.cpuClock, peerFor(task, batch), task === 'pgd20' && inp.peer ? () => inp.peer!('pgd20-drop-broken', batch) : undefined);
      const flops = counter.take() / Math.max(1, calls);
      const note = `${describe}; ${last.steps} loop steps per call; success ${(100 * last.success).toFixed(0)}%${cpuNote(m)}`;
      rows.push(finish(timingRow({ ...base(task, batch), note }, m.samples, batch, m.leaked), flops, m, batch));
      log(`${where}/${backend} ${task} b${batch}: median ${rows[rows.length - 1].median_ms} ms`);
    } finally {
      x.dispose();
    }
  };

  try {
    const eps = S.epsilon;
    // The interactive pair first: they take seconds, and on a loaded machine the batch rows after them may use up
    // the runner's allowance (the single-image targets are read from these rows). Before them the warm-up the app's
    // interactive worker runs when idle after a model loads (warm-up-pieces.ts), so that they time a click in the app.
    if (want('fgsm-single') || want('pgd40-single')) for (const piece of attackPathPieces(model)) await piece();
    await attackTask('fgsm-single', fgsm, 1, { epsilons: [S.singleEpsilon], seed: S.seed }, `interactive FGSM ε=${S.singleEpsilon} with onStep, after the app's idle warm-up`);
    await attackTask(
      'pgd40-single',
      pgd,
      1,
      {
        epsilons: [S.singleEpsilon],
        steps: S.singlePgdSteps,
        stepSize: (2.5 * S.singleEpsilon) / S.singlePgdSteps,
        randomStart: true,
        restarts: 1,
        seed: S.seed,
      },
      `interactive PGD-${S.singlePgdSteps} ε=${S.singleEpsilon} with onStep, after the app's idle warm-up`,
    );
    for (const b of plan.batches) {
      await attackTask('fgsm', fgsm, b, { epsilons: [eps], seed: S.seed }, `FGSM ε=${eps}`);
    }
    for (const b of plan.batches) {
      const alpha = (2.5 * eps) / S.pgdSteps;
      await attackTask(
        'pgd20',
        pgd,
        b,
        { epsilons: [eps], steps: S.pgdSteps, stepSize: alpha, randomStart: true, restarts: 1, seed: S.seed },
        `PGD-${S.pgdSteps} L∞ ε=${eps} α=${alpha} random start`,
      );
    }

    if (want('boundary-toy-100')) {
      const toy = layersModelAsAttackModel(inp.toyModel, [-Infinity, Infinity]);
      const r = S.toyResolution;
      const m = await measure(async () => {
        await evaluateToyGrid(toy.logits, inp.toyBounds, r, { numClasses: toy.numClasses });
      }, plan, budget(), now, inp.cpuClock);
      rows.push(finish(timingRow({ ...base('boundary-toy-100', r * r), note: `${r}×${r} class map of a 2-D MLP, batches of 2500${cpuNote(m)}` }, m.samples, r * r, m.leaked), forwardFlops(inp.toyModel) * r * r));
    }

    if (want('slice-64')) {
      const image = (await tf.tidy(() => xAll.slice(0, 1)).data()) as Float32Array;
      const direction = await gradientSignDirection(model, image, labelsAll[0]);
      const plane = makeSlicePlane(image, direction, model.inputShape, S.seed);
      const r = S.sliceResolution;
      const m = await measure(async () => {
        await evaluateSlice(model.logits, plane, { extent: S.sliceExtent, resolution: r, bounds: model.bounds, numClasses: model.numClasses });
      }, plan, budget(), now, inp.cpuClock);
      rows.push(finish(timingRow({ ...base('slice-64', r * r), note: `${r}×${r} images on a gradient-sign/random plane, batches of 256${cpuNote(m)}` }, m.samples, r * r, m.leaked), F * r * r));
    }

    if (want('eps-curve')) {
      const n = S.curveBatch;
      const points = S.curveEpsilons.length;
      await (async () => {
        const { x, labels } = take(n);
        try {
          let last = { steps: 0, success: 0 };
          counter.take();
          let calls = 0;
          const m = await measure(async () => {
            calls++;
            last = await attackOnce(pgd, model, x, labels, {
              epsilons: [...S.curveEpsilons],
              steps: S.curveSteps,
              relativeStepSize: 2.5 / S.curveSteps,
              randomStart: true,
              restarts: 1,
              seed: S.seed,
            });
          }, plan, budget(), now, inp.cpuClock);
          const note = `PGD-${S.curveSteps} at ${points} ε (${S.curveEpsilons.join(', ')}) in one call; images/s counts image×ε points; ${last.steps} loop steps; success at ε=0.3 ${(100 * last.success).toFixed(0)}%${cpuNote(m)}`;
          rows.push(finish(timingRow({ ...base('eps-curve', n), note }, m.samples, n * points, m.leaked), counter.take() / Math.max(1, calls)));
        } finally {
          x.dispose();
        }
      })();
    }

    for (const [task, method] of [['train-fgsm-rs', 'fgsm-rs'], ['train-pgd7', 'pgd']] as [BenchTask, 'fgsm-rs' | 'pgd'][]) {
      if (!want(task)) continue;
      const student = await cloneLayersModel(inp.model);
      try {
        const steps = S.trainStepsPerRun;
        const m = await measure(async () => {
          await trainModel(student, inp.images, benchTrainingOptions(method, S.trainBatch));
        }, plan, budget(), now, inp.cpuClock, peerFor(task, S.trainBatch));
        const what = method === 'fgsm-rs' ? 'FGSM-RS (α=1.25ε)' : `PGD-${S.trainPgdSteps} (α=2.5ε/${S.trainPgdSteps})`;
        // PGD-AT's attack stops stepping an example once it is broken (iterative.ts), which the count below cannot see.
        const flopNote = method === 'pgd' ? '; FLOPs counted as if every example took every attack step (overstated when examples break early)' : '';
        const note = `${what} ε=${S.trainEpsilon} + Adam step, batch ${S.trainBatch}, ${steps} steps per call, per step${cpuNote(m, 1 / steps)}${flopNote}`;
        // Per image and step: each attack step a forward-backward to the input (2F), for PGD-AT the scoring forward
        // (F; FGSM-RS trains on its step's result unscored), the training forward and backward with weight
        // gradients (3F). The peer runs one step per call.
        const passes = method === 'fgsm-rs' ? 2 + 3 : 2 * S.trainPgdSteps + 1 + 3;
        const perStep = { ...m, samples: m.samples.map((v) => v / steps) };
        rows.push(finish(timingRow({ ...base(task, S.trainBatch), note }, perStep.samples, S.trainBatch, m.leaked), passes * F * S.trainBatch, perStep, S.trainBatch));
      } finally {
        student.dispose();
      }
    }
  } finally {
    xAll.dispose();
  }

  // Tasks this plan leaves out are listed, so the table says what was not measured and why.
  const done = new Set(rows.map((r) => `${r.task}/${r.batch}`));
  for (const task of BENCH_TASKS) {
    const batches: (number | null)[] =
      task === 'fgsm' || task === 'pgd20'
        ? [...S.throughputBatches]
        : task === 'fgsm-single' || task === 'pgd40-single'
          ? [1]
          : task === 'boundary-toy-100'
            ? [S.toyResolution ** 2]
            : task === 'slice-64'
              ? [S.sliceResolution ** 2]
              : task === 'eps-curve'
                ? [S.curveBatch]
                : [S.trainBatch];
    for (const b of batches) {
      if (done.has(`${task}/${b}`)) continue;
      const why = plan.tasks.includes(task) && (task !== 'fgsm' && task !== 'pgd20' ? true : plan.batches.includes(b as number)) ? lateNote : plan.skipReason;
      rows.push(skippedRow(base(task, b), why || 'not in this plan'));
    }
  }
  const order = (r: BenchRow) => BENCH_TASKS.indexOf(r.task as BenchTask) * 1e6 + (r.batch ?? 0);
  return rows.sort((a, b) => order(a) - order(b));
}
