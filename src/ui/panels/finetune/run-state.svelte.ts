/**
 * The fine-tuning run as the page holds it, outside the panel component: the panel is unmounted when another tab
 * opens, but a run keeps going (or stays paused) in the worker, so a person can pause, attack the snapshot in the
 * Attack Lab, come back and resume. One run at a time, under one job id.
 *
 * A reload ends the run in the worker, but the worker keeps its state in the browser after every held-out check:
 * `resumable` is that interrupted run, offered as "Resume run from step N" (continueRun) or discarded.
 */
import type { DamagedRecord } from '../../../lib/models/storage';
import * as Comlink from 'comlink';
import type { Engine } from '../../engine';
import type { Progress } from '../../../worker/jobs';
import type { ModelSummary } from '../../../worker/models';
import type { EpsilonCurve, FinetuneCard, FinetuneEvent, ResumableRun, SavedModel } from '../../../worker/finetune-api';
import type { FinetuneWarnings } from '../../../lib/train/finetune';
import type { EvalPoint } from '../../../lib/train/overfitting';
import { isCancelled } from '../../../lib/util/cancel';
import { formatEpsilon } from '../../format';
import type { PanelRecipe } from './recipe-state';

export const JOB = 'finetune';
export const CURVE_JOB = 'finetune-curve';

export type Phase = 'idle' | 'running' | 'pausing' | 'paused' | 'done';

/** The ε grid of the before/after curve: multiples of the training ε up to 3ε (at most 0.5). */
export function curveEpsilons(eps: number): number[] {
  return [0, 0.5, 1, 1.5, 2, 3].map((k) => +(k * eps).toFixed(4)).filter((e, i) => i === 0 || (e > 0 && e <= 0.5));
}

class FinetuneRun {
  phase = $state<Phase>('idle');
  progress = $state<Progress | null>(null);
  losses = $state<{ step: number; loss: number; smoothed: number }[]>([]);
  speeds = $state<{ step: number; ips: number }[]>([]);
  evals = $state<EvalPoint[]>([]);
  warnings = $state<FinetuneWarnings>({ catastrophic: null, robustOverfitting: null });
  pauses = $state<number[]>([]);
  snapshot = $state<FinetuneCard | null>(null);
  card = $state<FinetuneCard | null>(null);
  curve = $state<EpsilonCurve | null>(null);
  curveProgress = $state<Progress | null>(null);
  saved = $state<SavedModel[]>([]);
  /** Stored records that cannot be used, listed with Delete so that they can be removed. */
  damaged = $state<DamagedRecord[]>([]);
  models = $state<ModelSummary[]>([]);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  /** The recipe of the run on screen (the form may have changed since). */
  recipe = $state<PanelRecipe | null>(null);
  /** A run a reload (or a crash) interrupted, kept in the browser; null when none. */
  resumable = $state<ResumableRun | null>(null);

  get busy(): boolean {
    return this.phase === 'running' || this.phase === 'pausing' || this.phase === 'paused';
  }

  async refresh(engine: Engine): Promise<void> {
    try {
      const [saved, damaged, models, resumable] = await Promise.all([
        engine.finetuneSaved(),
        engine.finetuneDamaged(),
        engine.listModels(),
        engine.finetuneCheckpoint(),
      ]);
      this.saved = saved;
      this.damaged = damaged;
      this.models = models;
      // While a run goes, the checkpoint in the browser is its own: nothing to offer.
      this.resumable = this.busy ? null : resumable;
    } catch (e) {
      this.error = `The models could not be listed: ${(e as Error).message}`;
    }
  }

  private reset(): void {
    this.losses = [];
    this.speeds = [];
    this.evals = [];
    this.pauses = [];
    this.warnings = { catastrophic: null, robustOverfitting: null };
    this.snapshot = null;
    this.card = null;
    this.curve = null;
    this.curveProgress = null;
    this.error = null;
    this.notice = null;
    this.progress = null;
  }

  private onEvent(engine: Engine, e: FinetuneEvent): void {
    const steps = this.recipe?.recipe.steps ?? 0;
    if (e.kind === 'phase') {
      this.progress = { done: this.progress?.done ?? 0, total: steps, elapsed: this.progress?.elapsed ?? 0, eta: null, phase: e.phase };
    } else if (e.kind === 'resumed') {
      // The charts start where the interrupted run left them.
      this.losses = e.trace.map((t) => ({ step: t.step, loss: t.loss, smoothed: t.smoothed }));
      this.speeds = e.trace.map((t) => ({ step: t.step, ips: t.ips }));
      this.evals = e.evaluations.slice();
      this.warnings = e.warnings;
      this.progress = { done: e.step, total: e.totalSteps, elapsed: 0, eta: null, phase: `Continuing from step ${e.step}` };
    } else if (e.kind === 'evaluation') {
      this.evals.push(e.evaluation);
      this.warnings = e.warnings;
    } else if (e.kind === 'step') {
      const p = e.progress;
      this.losses.push({ step: p.step, loss: p.loss, smoothed: p.smoothedLoss });
      this.speeds.push({ step: p.step, ips: p.imagesPerSecond });
      this.warnings = p.warnings;
      this.progress = {
        done: p.step,
        total: p.totalSteps,
        elapsed: p.elapsed,
        eta: p.step >= 3 ? p.eta : null,
        phase: this.phase === 'pausing' ? 'Pausing after this step…' : `Training · ε ${formatEpsilon(p.epsilon)} · lr ${p.learningRate.toExponential(1)}`,
      };
    } else if (e.kind === 'paused') {
      this.phase = 'paused';
      this.pauses.push(e.step);
      this.snapshot = e.card;
      // The ETA stays: it is the training still to do, which a pause does not change.
      if (this.progress) this.progress = { ...this.progress, phase: `Paused at step ${e.step}` };
      this.refresh(engine);
    }
  }

  async start(engine: Engine, request: PanelRecipe): Promise<void> {
    await this.drive(engine, request, (onEvent) =>
      engine.finetuneStart(JOB, { baseModelId: request.model, recipe: request.recipe, heldOut: request.heldOut, earlyStop: request.earlyStop }, onEvent),
    );
  }

  /** Continues the interrupted run from its last checkpoint. */
  async continueRun(engine: Engine): Promise<void> {
    const r = this.resumable;
    if (!r || r.damaged) return;
    const request: PanelRecipe = { model: r.request.baseModelId, recipe: r.request.recipe, heldOut: r.request.heldOut, earlyStop: r.request.earlyStop };
    await this.drive(engine, request, (onEvent) => engine.finetuneContinue(JOB, r.id, onEvent), {
      done: r.step,
      total: r.totalSteps,
      elapsed: 0,
      eta: null,
      phase: `Continuing from step ${r.step}`,
    });
  }

  /** Forgets the interrupted run. */
  async discardRun(engine: Engine): Promise<void> {
    const r = this.resumable;
    if (!r) return;
    try {
      await engine.finetuneDiscard(r.id);
      this.resumable = null;
    } catch (e) {
      this.error = `The interrupted run could not be discarded: ${(e as Error).message}`;
    }
  }

  private async drive(
    engine: Engine,
    request: PanelRecipe,
    call: (onEvent: (e: FinetuneEvent) => void) => Promise<FinetuneCard>,
    initial: Progress | null = null,
  ): Promise<void> {
    if (this.busy) return;
    this.reset();
    this.progress = initial;
    this.recipe = request;
    this.phase = 'running';
    this.resumable = null;
    try {
      const card = await call(Comlink.proxy((e: FinetuneEvent) => this.onEvent(engine, e)));
      this.card = card;
      this.phase = 'done';
      this.progress = null;
      await this.refresh(engine);
      await this.measureCurve(engine, card);
    } catch (e) {
      if (isCancelled(e)) {
        this.notice = this.snapshot
          ? `Training was cancelled. The snapshot from step ${this.pauses[this.pauses.length - 1]} stays in your models.`
          : 'Training was cancelled; nothing was kept.';
      } else {
        this.error = (e as Error).message;
      }
      this.phase = 'idle';
      this.progress = null;
      // A failed continuation may leave its checkpoint (or a damaged one) to offer again.
      await this.refresh(engine);
    }
  }

  async measureCurve(engine: Engine, card: FinetuneCard): Promise<void> {
    this.curveProgress = { done: 0, total: 1, elapsed: 0, eta: null, phase: 'Measuring accuracy against ε' };
    try {
      this.curve = await engine.finetuneCurve(
        CURVE_JOB,
        card.id,
        { epsilons: curveEpsilons(card.recipe.epsilon), steps: card.heldOut.pgdSteps },
        Comlink.proxy((p: Progress) => {
          this.curveProgress = p;
        }),
      );
      await this.refresh(engine);
    } catch (e) {
      // A Cancel pressed after the last step stops only this measurement: the trained model is already kept.
      if (isCancelled(e)) this.notice = 'The accuracy-against-ε measurement was cancelled; the trained model stays in your models.';
      else this.error = `The ε-curve could not be measured: ${(e as Error).message}`;
    } finally {
      this.curveProgress = null;
    }
  }

  async pause(engine: Engine): Promise<void> {
    if (this.phase !== 'running') return;
    this.phase = 'pausing';
    await engine.finetunePause(JOB);
  }

  async resume(engine: Engine): Promise<void> {
    if (this.phase !== 'paused') return;
    this.phase = 'running';
    await engine.finetuneResume(JOB);
  }

  async cancel(engine: Engine): Promise<void> {
    await engine.cancel(JOB);
    await engine.cancel(CURVE_JOB);
  }

  async remove(engine: Engine, id: string): Promise<void> {
    try {
      await engine.finetuneDelete(id);
      if (this.card?.id === id) this.card = null;
      if (this.snapshot?.id === id) this.snapshot = null;
      await this.refresh(engine);
    } catch (e) {
      this.error = `The model could not be deleted: ${(e as Error).message}`;
    }
  }

  setNotice(text: string | null): void {
    this.notice = text;
  }

  setError(text: string | null): void {
    this.error = text;
  }
}

/** The page's one fine-tuning run. */
export const run = new FinetuneRun();
