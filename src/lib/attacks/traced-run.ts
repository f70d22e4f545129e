/**
 * One attack on one image with its path recorded: every step's scalars (loss, margin, norms…) and the iterate the
 * model saw at that step, for the Attack Lab's iteration player. Plain arrays in, plain arrays out; the worker
 * only checks arguments and transfers the buffers.
 */
import * as tf from '@tensorflow/tfjs';
import { argmax } from '../util/argmax';
import type { AttackModel, AttackOptions, AttackSpec, StepInfo } from './types';
import { observedModel } from './model-adapter';

export interface TraceStep extends StepInfo {
  /** Index into `frames` of the iterate the model saw at this step, or −1 when none was kept. */
  frame: number;
}

export interface LabEpsilonResult {
  epsilon: number;
  adversarial: Float32Array;
  /** adversarial − image. */
  delta: Float32Array;
  probabilities: Float32Array;
  predicted: number;
  success: boolean;
  linf: number;
  l2: number;
  l0: number;
  queries: number;
}

export interface TracedAttack {
  /** The target class of a targeted run. */
  target: number | null;
  hyperparameters: Record<string, number | string | boolean>;
  clean: { probabilities: Float32Array; predicted: number };
  results: LabEpsilonResult[];
  trace: TraceStep[];
  /** Iterates x_k the model was evaluated at, concatenated (frameCount × pixels). */
  frames: Float32Array;
  frameCount: number;
  elapsedMs: number;
}

/** At most this many iterates are kept per run (3.8 MB for 28×28; a longer run keeps only its scalars after that). */
export const MAX_FRAMES = 1200;
/** Progress is reported at most this often (a square attack takes thousands of tiny steps). */
const PROGRESS_INTERVAL_MS = 80;

/** Softmax probabilities of n images stored back to back. */
export async function probabilitiesOf(model: AttackModel, batch: Float32Array, n: number): Promise<Float32Array> {
  const p = tf.tidy(() => tf.softmax(model.logits(tf.tensor(batch, [n, ...model.inputShape]))));
  try {
    return (await p.data()) as Float32Array;
  } finally {
    p.dispose();
  }
}

/**
 * Wraps a model so that every single-example forward pass keeps a copy of its input: the iterate x_k an attack
 * evaluated last. The attack loops call onStep right after evaluating x_k, so the copy taken then is that step's
 * iterate, whatever the attack (gradient or score-based).
 */
function recordingModel(model: AttackModel): { model: AttackModel; take(): tf.Tensor | null; dispose(): void } {
  let latest: tf.Tensor | null = null;
  return {
    model: observedModel(model, (x) => {
      if (x.shape[0] === 1) {
        latest?.dispose();
        latest = tf.keep(x.clone());
      }
    }),
    take() {
      const t = latest;
      latest = null;
      return t;
    },
    dispose() {
      latest?.dispose();
      latest = null;
    },
  };
}

export interface TraceHooks {
  signal?: AbortSignal;
  /**
   * The model whose predictions count, when it differs from the one attacked: behind a defense the attacker
   * differentiates its own view (naive, BPDA, EOT) while success is judged by the deployed defense (fresh draws).
   */
  judge?: AttackModel;
  /** Steps done of the expected total, with a short phase text; throttled. */
  onProgress?: (done: number, phase: string, total: number) => void;
}

/**
 * Runs `spec` on one image (values in the model's bounds, length = the model's input size) at every ε of
 * options.epsilons, recording the path. Arguments are assumed checked (the worker's façade does that).
 */
export async function tracedAttack(
  spec: AttackSpec,
  model: AttackModel,
  image: Float32Array,
  label: number,
  options: AttackOptions,
  hooks: TraceHooks = {},
): Promise<TracedAttack> {
  const started = performance.now();
  // Expected onStep calls, for the progress bar's ETA (attacks that stop early simply finish sooner).
  const option = (key: 'steps' | 'queryBudget' | 'samples' | 'binarySearchSteps' | 'restarts') => options[key] ?? spec.defaults[key];
  const perRun = (option('steps') ?? option('queryBudget') ?? option('samples') ?? 1) * (option('binarySearchSteps') ?? 1);
  const total = options.epsilons.length * perRun * (option('restarts') ?? 1);
  const recorder = recordingModel(model);
  const trace: TraceStep[] = [];
  const frames: tf.Tensor[] = [];
  let done = 0;
  let lastReport = 0;
  const x = tf.tensor(image, [1, ...model.inputShape]);
  try {
    const result = await spec.run(recorder.model, x, Int32Array.of(label), {
      ...options,
      signal: hooks.signal,
      onStep: (s: StepInfo) => {
        // A run without a random start may take its step-0 gradient from the driver's clean pass (no model call
        // to record): its iterate is the image itself.
        const frame = recorder.take() ?? (s.step === 0 ? tf.keep(x.clone()) : null);
        let index = -1;
        if (frame && frames.length < MAX_FRAMES) {
          index = frames.length;
          frames.push(frame);
        } else frame?.dispose();
        trace.push({ ...s, frame: index });
        done++;
        const now = performance.now();
        if (now - lastReport > PROGRESS_INTERVAL_MS) {
          lastReport = now;
          hooks.onProgress?.(done, `ε = ${+s.epsilon.toFixed(4)}, step ${s.step}/${s.steps}`, total);
        }
      },
    });
    try {
      const n = result.results.length;
      const px = image.length;
      const advData = new Float32Array(n * px);
      for (let i = 0; i < n; i++) advData.set((await result.results[i].adversarial.data()) as Float32Array, i * px);
      const judge = hooks.judge ?? model;
      const probs = await probabilitiesOf(judge, advData, n);
      const clean = await probabilitiesOf(judge, image, 1);
      const stacked = frames.length ? tf.concat(frames) : null;
      const frameData = stacked ? ((await stacked.data()) as Float32Array) : new Float32Array(0);
      stacked?.dispose();
      const C = model.numClasses;
      const results: LabEpsilonResult[] = result.results.map((r, i) => {
        const adversarial = advData.slice(i * px, (i + 1) * px);
        const p = probs.slice(i * C, (i + 1) * C);
        // With a separate judge, its prediction decides success (not the attacker's own view).
        const predicted = hooks.judge ? argmax(p) : r.predicted[0];
        const goal = result.targets ? result.targets[0] : null;
        const success = hooks.judge ? (goal === null ? predicted !== label : predicted === goal) : r.success[0] === 1;
        return {
          epsilon: r.epsilon,
          adversarial,
          delta: adversarial.map((v, j) => v - image[j]),
          probabilities: p,
          predicted,
          success,
          linf: r.linf[0],
          l2: r.l2[0],
          l0: r.l0[0],
          queries: r.queries,
        };
      });
      hooks.onProgress?.(done, 'done', done);
      return {
        target: result.targets ? result.targets[0] : null,
        hyperparameters: result.hyperparameters,
        clean: { probabilities: clean, predicted: argmax(clean) },
        results,
        trace,
        frames: frameData,
        frameCount: frames.length,
        elapsedMs: performance.now() - started,
      };
    } finally {
      for (const r of result.results) r.adversarial.dispose();
    }
  } finally {
    x.dispose();
    recorder.dispose();
    for (const f of frames) f.dispose();
  }
}

/** The buffers of a traced run, to transfer (not copy) across the worker boundary. */
export function transferables(t: TracedAttack): ArrayBufferLike[] {
  return [t.frames.buffer, t.clean.probabilities.buffer, ...t.results.flatMap((r) => [r.adversarial.buffer, r.delta.buffer, r.probabilities.buffer])];
}
