/**
 * A throw-away warm-up of the Attack Lab's path on the interactive lane, so that a person's first clicks do not pay
 * for V8 compiling the attack code: in a fresh process, single-image FGSM calls 2–11 take 2–5 ms CPU and warm ones
 * 0.7–1.3 ms (docs/PERFORMANCE.md, fifth round). After loadModel, once the worker has had no message for IDLE_MS,
 * a prediction, FGSM calls and short PGD runs on a blank image of that model are run and thrown away.
 *
 * It never holds up a real request: the work is cut into pieces (one call each), every message that reaches the
 * worker stops it before its next piece, and between pieces it yields to the event loop — a request waits at most for
 * the piece in progress. It runs only where tensors live in host memory (wasm, cpu): there a piece never yields
 * inside (reads resolve as microtasks), so no message handler — `memory()` included — sees a piece's tensors. An
 * interrupted warm-up starts again at the next idle spell; a finished one is not repeated for that model.
 */
import { getAttack } from '../lib/attacks/registry';
import { probabilitiesOf, tracedAttack } from '../lib/attacks/traced-run';
import type { AttackModel } from '../lib/attacks/types';
import { hostMemoryBackend } from '../lib/backend/heap-kernels';
import { argmax } from '../lib/util/argmax';
import { yieldToEvents } from '../lib/util/checkpoint';

/** Quiet time before the warm-up starts (ms). */
export const IDLE_MS = 300;
/** FGSM calls: V8 has optimised the path by about the 20th (measured in Node). */
const FGSM_CALLS = 24;
const PGD_CALLS = 4;
const PGD_STEPS = 5;

/** One piece of warm-up work: a single library call that leaves no tensor behind. */
export type WarmUpPiece = () => Promise<void>;

/** The pieces that warm the Attack Lab's path on `model` (a prediction first, which also gives the attacked label). */
export function attackPathPieces(model: AttackModel): WarmUpPiece[] {
  const blank = new Float32Array(model.inputShape.reduce((a, b) => a * b, 1)).fill(model.bounds[0]);
  let label = 0;
  const pieces: WarmUpPiece[] = [
    async () => {
      // The blank image's own class: an untargeted attack skips an image that is already misclassified.
      label = argmax(await probabilitiesOf(model, blank, 1));
    },
  ];
  const fgsm = getAttack('fgsm');
  const pgd = getAttack('pgd');
  for (let i = 0; i < FGSM_CALLS; i++) {
    pieces.push(async () => {
      await tracedAttack(fgsm, model, blank, label, { epsilons: [0.1], seed: i });
    });
  }
  for (let i = 0; i < PGD_CALLS; i++) {
    pieces.push(async () => {
      await tracedAttack(pgd, model, blank, label, { epsilons: [0.1], steps: PGD_STEPS, seed: i });
    });
  }
  return pieces;
}

interface Pending {
  key: string;
  pieces: () => WarmUpPiece[] | Promise<WarmUpPiece[]>;
}

/**
 * Runs queued warm-ups when the worker is idle. `activity()` is called for every incoming message; `request` queues
 * a warm-up under a key (a model id) unless that key has finished one. Disabled until `enable()` (the worker does it),
 * so library code and tests that call the lab's methods in Node never start one.
 */
export class IdleWarmUp {
  private enabled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pending: Pending | null = null;
  private running: { stop: boolean } | null = null;
  private readonly finished = new Set<string>();
  /** The warm-up in progress (for tests): settles when it stops, finished or interrupted. */
  current: Promise<void> | null = null;

  constructor(
    private readonly idleMs = IDLE_MS,
    private readonly canRun: () => boolean = hostMemoryBackend,
  ) {}

  enable(): void {
    this.enabled = true;
  }

  /** Queue a warm-up; the latest request wins (the model the person chose last). */
  request(key: string, pieces: Pending['pieces']): void {
    if (!this.enabled || this.finished.has(key)) return;
    this.pending = { key, pieces };
    this.arm();
  }

  /** A message came in: stop the warm-up before its next piece and wait for the next idle spell. */
  activity(): void {
    if (this.running) this.running.stop = true;
    if (this.pending) this.arm();
  }

  /** Whether a warm-up finished for this key. */
  done(key: string): boolean {
    return this.finished.has(key);
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) this.current = this.run();
    }, this.idleMs);
  }

  private async run(): Promise<void> {
    const job = this.pending;
    if (!job || !this.canRun()) return;
    const state = { stop: false };
    this.running = state;
    try {
      const pieces = await job.pieces();
      for (const piece of pieces) {
        // Messages first: a request that came in during the last piece runs now, and stops the rest.
        await yieldToEvents();
        if (state.stop) return;
        await piece();
      }
      this.finished.add(job.key);
      if (this.pending === job) this.pending = null;
    } catch (err) {
      // A warm-up is invisible: a failure (a model removed meanwhile) is not the person's concern, and the real
      // request that follows reports its own.
      console.debug('warm-up stopped:', err);
      if (this.pending === job) this.pending = null;
    } finally {
      this.running = null;
      // Interrupted with work left: the activity that stopped it armed the timer; re-arm if it fired meanwhile.
      if (state.stop && this.pending && this.timer === null) this.arm();
    }
  }
}

/** The interactive lane's warm-up (enabled by engine.worker.ts). */
export const warmUp = new IdleWarmUp();
