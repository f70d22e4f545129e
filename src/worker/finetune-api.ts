/**
 * The fine-tuning panel's worker methods: fine-tune a copy of any listed model (image CNN or toy MLP) with
 * FGSM-RS, PGD-AT or TRADES, streaming every step; pause (the model joins the model list as a snapshot),
 * resume, cancel (api.cancel(jobId)); keep finished models in IndexedDB across reloads; export them as files;
 * measure before/after ε-curves.
 *
 * The shipped model is never touched: training runs on a clone. A finished or paused model is registered with
 * the worker's model cache (src/worker/models.ts), so every panel that lists models sees it.
 */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { layersModelAsAttackModel } from '../lib/attacks/model-adapter';
import { getAttack } from '../lib/attacks/registry';
import { sliceExamples } from '../lib/data/examples';
import { robustAccuracy } from '../lib/eval/robust-accuracy';
import {
  artifactsToModel,
  damagedRecords,
  isDamaged,
  cloneLayersModel,
  exportModelFiles,
  indexedDbModelStore,
  memoryModelStore,
  modelToArtifacts,
  type ModelFiles,
  type ModelStore,
  type DamagedRecord,
} from '../lib/models/storage';
import {
  DEFAULT_HELD_OUT,
  finetuneModel,
  validateRecipe,
  type FinetuneProgress,
  type FinetuneRecipe,
  type FinetuneWarnings,
} from '../lib/train/finetune';
import type { EvalPoint } from '../lib/train/overfitting';
import { checkCheckpointArtifacts, packCheckpoint, unpackCheckpoint, type CheckpointMeta, type FinetuneCheckpoint } from '../lib/train/finetune-checkpoint';
import { PauseGate } from '../lib/util/pause';
import { uniqueName } from '../lib/models/unique-name';
import { buildFinetuneCard, checkFinetuneCard, finetunedName, type EpsilonCurve, type FinetuneCard, type HeldOutRequest } from '../lib/train/finetune-card';
import { examplesFor } from './datasets';
import { asJob, progressReporter, type ProgressCallback } from './jobs';
import { isCancelled, unlessCancelled } from '../lib/util/cancel';
import { checkJobId, checkNumber, checkParam, fail } from './checks';
import { getModel, isRegistered, layersModelOf, listModels, registerModel, setRegisteredSync, unregisterModel } from './models';
import { describeGiven, FINETUNE_FIELDS } from '../lib/validate/numeric';

// ---------------------------------------------------------------------------------------------------------------
// Types shared with the UI

export type { EpsilonCurve, FinetuneCard, HeldOutRequest };

export interface FinetuneRequest {
  baseModelId: string;
  recipe: FinetuneRecipe;
  heldOut: HeldOutRequest;
  /** Stop when robust overfitting is detected. */
  earlyStop: boolean;
}

/** One training step as the charts draw it; a checkpoint keeps them so a resumed run's charts start full. */
export interface StepTrace {
  step: number;
  loss: number;
  smoothed: number;
  ips: number;
}

export type FinetuneEvent =
  | { kind: 'phase'; phase: string }
  | { kind: 'resumed'; step: number; totalSteps: number; evaluations: EvalPoint[]; warnings: FinetuneWarnings; trace: StepTrace[] }
  | { kind: 'evaluation'; evaluation: EvalPoint; warnings: FinetuneWarnings }
  | { kind: 'step'; progress: FinetuneProgress }
  | { kind: 'paused'; step: number; card: FinetuneCard };

/** What the browser keeps of a running fine-tuning run besides its tensors (the store's card). */
export interface RunCheckpointCard {
  request: FinetuneRequest;
  /** The id, name and creation time the finished model will have. */
  runId: string;
  name: string;
  createdAt: string;
  baseName: string;
  step: number;
  totalSteps: number;
  trace: StepTrace[];
  state: CheckpointMeta;
}

/** A run that can be continued after a reload; or, when its record is damaged, why it cannot. */
export type ResumableRun =
  | { id: string; damaged: false; name: string; baseModelId: string; baseName: string; step: number; totalSteps: number; request: FinetuneRequest; savedAt: string }
  | { id: string; damaged: true; reason: string };

export interface SavedModel {
  id: string;
  card: FinetuneCard;
  savedAt: string;
}

// ---------------------------------------------------------------------------------------------------------------
// State


const gates = new Map<string, PauseGate>();
let store: ModelStore<FinetuneCard> | null = null;
/** Models the browser refused to store (quota, private mode): kept for this visit so they can still be downloaded. */
const unsaved = memoryModelStore<FinetuneCard>();

/** Replaces the persistent store (tests use one that fails, as a full or private-mode browser does). */
export function setFinetuneStore(next: ModelStore<FinetuneCard>): void {
  store = next;
}

function modelStore(): ModelStore<FinetuneCard> {
  // Cards are checked as they are read: a damaged one is left out of the list (and reported by finetuneDamaged)
  // instead of breaking the list of every other model.
  store ??= typeof indexedDB === 'undefined' ? memoryModelStore<FinetuneCard>(checkFinetuneCard) : indexedDbModelStore<FinetuneCard>(undefined, checkFinetuneCard);
  return store;
}

/**
 * Checkpoints of running fine-tuning runs: the model store's layout in a database of its own, so they never show up
 * among the finished models. One run at a time: a new run replaces what an interrupted one left.
 */
let runStore: ModelStore<RunCheckpointCard> | null = null;

/** Replaces the checkpoint store (tests). */
export function setFinetuneRunStore(next: ModelStore<RunCheckpointCard>): void {
  runStore = next;
}

/** The store's check of a checkpoint's card: what the resume offer reads (a bad one is listed as damaged). */
export function checkRunCard(card: unknown): void {
  const c = card as Partial<RunCheckpointCard>;
  if (typeof c?.request !== 'object' || c.request === null || typeof c.request.baseModelId !== 'string') throw new Error('it does not say which model it fine-tunes');
  if (typeof c.runId !== 'string' || typeof c.name !== 'string' || typeof c.baseName !== 'string') throw new Error('it has no name');
  if (!Number.isInteger(c.step) || !Number.isInteger(c.totalSteps) || c.step! < 0 || c.step! > c.totalSteps!) throw new Error('it does not say which step it was saved at');
  if (!Array.isArray(c.trace) || typeof c.state !== 'object' || c.state === null) throw new Error('its history is missing');
}

function checkpointStore(): ModelStore<RunCheckpointCard> {
  runStore ??=
    typeof indexedDB === 'undefined'
      ? memoryModelStore<RunCheckpointCard>(checkRunCard, checkCheckpointArtifacts)
      : indexedDbModelStore<RunCheckpointCard>('adversarial-playground-finetune-runs', checkRunCard, checkCheckpointArtifacts);
  return runStore;
}

/** Removes every checkpoint but `keep`'s; a storage failure only leaves an old offer behind. */
async function dropCheckpoints(keep: string | null = null): Promise<void> {
  try {
    for (const r of await checkpointStore().listAll()) if (r.id !== keep) await checkpointStore().remove(r.id);
  } catch (err) {
    console.warn(`Old fine-tuning checkpoints were not removed: ${(err as Error).message}`);
  }
}

/** The held-out check as the panel's table allows it (numeric.ts FINETUNE_FIELDS); n is then cut to the test set. */
function checkHeldOut(h: HeldOutRequest): HeldOutRequest {
  if (typeof h !== 'object' || h === null) fail(`The held-out check must be a set of named values (n, every, pgdSteps, restarts); got ${describeGiven(h)}.`);
  checkParam(h.n, FINETUNE_FIELDS.heldOutN);
  checkParam(h.every, FINETUNE_FIELDS.every);
  checkParam(h.pgdSteps, FINETUNE_FIELDS.pgdSteps);
  checkNumber(h.restarts, 'heldOut.restarts', 1, 10, true);
  return h;
}

/** The recipe's numbers against the panel's table, in the field's words, before the library's own checks. */
function checkRecipeFields(r: unknown): void {
  if (typeof r !== 'object' || r === null) fail(`The recipe must be a set of named values; got ${describeGiven(r)}.`);
  const recipe = r as Record<string, unknown>;
  for (const key of ['epsilon', 'epsilonRamp', 'attackSteps', 'tradesBeta', 'adversarialShare', 'relativeStepSize', 'learningRate', 'steps', 'seed'] as const) {
    checkParam(recipe[key], FINETUNE_FIELDS[key]);
  }
}

/** Registers a model under the card's entry; the cache owns it from then on. */
function register(card: FinetuneCard, model: tf.LayersModel): void {
  registerModel(card.id, { entry: card.entry, model });
}

/** Keeps the model in the browser's storage; a failure (quota, private mode) is reported on the card, not thrown. */
async function save(card: FinetuneCard, model: tf.LayersModel): Promise<FinetuneCard> {
  const artifacts = await modelToArtifacts(model);
  try {
    await modelStore().save({ id: card.id, card, artifacts, savedAt: card.createdAt });
    return card;
  } catch (err) {
    const kept = { ...card, notSaved: (err as Error).message };
    await unsaved.save({ id: card.id, card: kept, artifacts, savedAt: card.createdAt });
    return kept;
  }
}

async function loadSaved(id: string) {
  return (await modelStore().load(id)) ?? (await unsaved.load(id));
}

/**
 * Models this worker registered from the storage (rather than trained itself), with the version it loaded: a paused
 * snapshot and the finished model share an id, so a newer version replaces the older one; a model the storage
 * dropped leaves the list.
 */
const fromStore = new Map<string, string>();
const versionOf = (card: FinetuneCard) => `${card.status}/${card.figures.stepsRun}/${card.figures.weightsFromStep}`;
let syncing: Promise<void> = Promise.resolve();

/**
 * Makes this worker's model list match the saved fine-tuned models: new ones are loaded and registered, deleted
 * ones unregistered. The engine runs in two workers and fine-tuning happens in the background one, so the
 * interactive one calls this whenever it lists models or meets an unknown id. Only the small cards are read unless
 * a model is new. Syncs run one after another; a failure is reported and leaves the list as it was.
 */
export function syncSavedModels(): Promise<void> {
  syncing = syncing.then(async () => {
    try {
      const s = modelStore();
      const items = await s.list();
      const ids = new Set(items.map((i) => i.id));
      for (const item of items) {
        const known = fromStore.get(item.id);
        if (known === versionOf(item.card) || (known === undefined && isRegistered(item.id))) continue;
        const full = await s.load(item.id);
        if (!full) continue;
        try {
          register(full.card, await artifactsToModel(full.artifacts));
          fromStore.set(item.id, versionOf(full.card));
        } catch (err) {
          console.warn(`Saved model ${item.id} could not be restored: ${(err as Error).message}`);
        }
      }
      for (const id of [...fromStore.keys()]) {
        if (ids.has(id)) continue;
        unregisterModel(id);
        fromStore.delete(id);
      }
    } catch (err) {
      console.warn(`Saved fine-tuned models were not read: ${(err as Error).message}`);
    }
  });
  return syncing;
}

setRegisteredSync(syncSavedModels);

/**
 * One fine-tuning run, new or continued from a checkpoint: the body of finetuneStart and finetuneContinue. The
 * checkpoint is kept while the run goes and removed when it ends (finished, cancelled or failed): only a run cut off
 * by a reload or a crash leaves one behind.
 */
async function runFinetune(
  jobId: string,
  request: FinetuneRequest,
  onEvent: ((e: FinetuneEvent) => void) | undefined,
  resume: { card: RunCheckpointCard; state: FinetuneCheckpoint } | null,
): Promise<FinetuneCard> {
  const recipe = validateRecipe({ ...request.recipe });
  const emit = (e: FinetuneEvent) => onEvent?.(e);
  // The job is registered before the model and the images load, so a Cancel while they load is not lost.
  return asJob(jobId, async (signal) => {
    await unlessCancelled(syncSavedModels(), signal);
    let base: Awaited<ReturnType<typeof getModel>>;
    try {
      base = await unlessCancelled(getModel(request.baseModelId), signal);
    } catch (err) {
      if (!resume || isCancelled(err)) throw err;
      fail(`The model this run fine-tunes (${resume.card.baseName}) is no longer available: discard the run. (${(err as Error).message})`);
    }
    emit({ kind: 'phase', phase: 'Loading the training images' });
    const [{ examples: train, bounds }, { examples: test }] = await unlessCancelled(
      Promise.all([examplesFor(base.entry, 'train'), examplesFor(base.entry, 'test')]),
      signal,
    );
    const heldOutReq = checkHeldOut({ ...request.heldOut });
    heldOutReq.n = Math.min(heldOutReq.n, test.count);
    if (recipe.batchSize > train.count) fail(`recipe.batchSize ${recipe.batchSize} exceeds the ${train.count} training examples`);
    const gate = new PauseGate();
    gates.set(jobId, gate);
    const model = await cloneLayersModel(layersModelOf(base, 'fine-tuning'));
    let owned = true;
    const { x, y } = test.batch(Int32Array.from({ length: heldOutReq.n }, (_, i) => i));
    const id = resume?.card.runId ?? `${base.entry.id}-ft-${Date.now().toString(36)}`;
    try {
      const labels = (await y.data()) as Int32Array;
      const createdAt = resume?.card.createdAt ?? new Date().toISOString();
      // Two fine-tunings with one recipe must not look alike in the lists: "… ε 0.1 (2)".
      const name = resume?.card.name ?? uniqueName(finetunedName(base.entry, recipe), (await listModels()).map((m) => m.name));
      // One run at a time: a new run replaces what an interrupted one left behind.
      await dropCheckpoints(resume ? id : null);
      const trace: StepTrace[] = resume ? resume.card.trace.filter((t) => t.step <= resume.state.train.step) : [];
      let checkpointWarned = false;
      const heldOut = { ...DEFAULT_HELD_OUT, every: heldOutReq.every, pgdSteps: heldOutReq.pgdSteps, pgdRelativeStepSize: 2.5 / heldOutReq.pgdSteps, restarts: heldOutReq.restarts };
      const evaluations: EvalPoint[] = resume ? resume.state.evaluations.map((e) => ({ ...e })) : [];
      let stepsRun = resume?.state.train.step ?? 0;
      const cardFor = (status: FinetuneCard['status'], after: EvalPoint, weightsFromStep: number, seconds: number, ips: number, warnings: FinetuneWarnings): FinetuneCard =>
        buildFinetuneCard({
          id,
          name,
          createdAt,
          status,
          base: base.entry,
          recipe,
          heldOut: heldOutReq,
          pgdRelativeStepSize: heldOut.pgdRelativeStepSize,
          evaluations,
          stepsRun,
          weightsFromStep,
          after,
          trainSeconds: seconds,
          imagesPerSecond: ips,
          warnings,
          backend: tf.getBackend(),
          tfjs: tf.version.tfjs,
        });
      let lastProgress: FinetuneProgress | null = null;
      if (resume) {
        const st = resume.state;
        emit({ kind: 'resumed', step: st.train.step, totalSteps: st.train.totalSteps, evaluations: evaluations.slice(), warnings: { ...st.warnings }, trace: trace.slice() });
        emit({ kind: 'phase', phase: `Continuing from step ${st.train.step}` });
      } else {
        emit({ kind: 'phase', phase: 'Measuring the base model on the held-out batch' });
      }
      const result = await finetuneModel(model, train, { x, y: labels }, {
        recipe,
        heldOut,
        attacks: { pgd: getAttack('pgd'), fgsm: getAttack('fgsm') },
        bounds,
        earlyStop: request.earlyStop,
        gate,
        signal,
        resume: resume?.state,
        // Saved after each held-out check, so "resume from step N" offers a step whose accuracy is on the chart.
        checkpoint: {
          every: heldOutReq.every,
          save: async (state) => {
            const { meta, artifacts } = packCheckpoint(state);
            const card: RunCheckpointCard = { request, runId: id, name, createdAt, baseName: base.entry.name, step: state.train.step, totalSteps: state.train.totalSteps, trace: trace.slice(), state: meta };
            try {
              await checkpointStore().save({ id, card, artifacts, savedAt: new Date().toISOString() });
            } catch (err) {
              // Full or private storage: the run goes on, it just cannot survive a reload.
              if (!checkpointWarned) console.warn(`The fine-tuning run could not be kept for a reload: ${(err as Error).message}`);
              checkpointWarned = true;
            }
          },
        },
        onEvaluation: (evaluation, warnings) => {
          evaluations.push(evaluation);
          emit({ kind: 'evaluation', evaluation, warnings });
        },
        onProgress: (progress) => {
          stepsRun = progress.step;
          lastProgress = progress;
          trace.push({ step: progress.step, loss: progress.loss, smoothed: progress.smoothedLoss, ips: progress.imagesPerSecond });
          emit({ kind: 'step', progress });
        },
        onPause: async (step) => {
          // The snapshot is the model as it is now (not the best so far): what the person paused on.
          const last = evaluations[evaluations.length - 1];
          const p = lastProgress as FinetuneProgress | null;
          const card = cardFor('paused', last, step, p?.elapsed ?? 0, p?.imagesPerSecond ?? 0, p?.warnings ?? { catastrophic: null, robustOverfitting: null });
          const snapshot = await cloneLayersModel(model);
          register(card, snapshot);
          emit({ kind: 'paused', step, card: await save(card, snapshot) });
        },
      });
      const after = result.evaluations.find((e) => e.step === result.bestStep) ?? result.evaluations[result.evaluations.length - 1];
      const card = await save(
        cardFor(result.stoppedEarly ? 'stopped early' : 'finished', after, result.bestStep, result.trainSeconds, result.imagesPerSecond, result.warnings),
        model,
      );
      register(card, model);
      owned = false;
      return card;
    } finally {
      // Finished, cancelled or failed: nothing to continue after a reload (only a page that goes away keeps it).
      await checkpointStore().remove(id).catch(() => false);
      x.dispose();
      y.dispose();
      // A newer run under the same id (which cancelled this one) keeps its own gate.
      if (gates.get(jobId) === gate) gates.delete(jobId);
      if (owned) model.dispose();
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The methods

export const finetuneApi = {
  /**
   * Fine-tunes a copy of `baseModelId`. Events stream through onEvent; pause/resume with finetunePause/Resume,
   * cancel with cancel(jobId). Resolves with the card of the new model, which is registered and saved. Every
   * held-out check the run's state is kept in the browser, so a reload can continue it (finetuneContinue).
   */
  async finetuneStart(jobId: string, request: FinetuneRequest, onEvent?: (e: FinetuneEvent) => void): Promise<FinetuneCard> {
    checkJobId(jobId);
    if (typeof request !== 'object' || request === null) fail('request must be an object {baseModelId, recipe, heldOut, earlyStop}');
    checkRecipeFields(request.recipe);
    checkHeldOut(request.heldOut);
    validateRecipe({ ...request.recipe });
    if (typeof request.earlyStop !== 'boolean') fail(`earlyStop must be true or false, got ${String(request.earlyStop)}`);
    return runFinetune(jobId, request, onEvent, null);
  },

  /** The run a reload interrupted, if the browser kept one (null when none). */
  async finetuneCheckpoint(): Promise<ResumableRun | null> {
    const all = await checkpointStore().listAll();
    const newest = all[all.length - 1];
    if (!newest) return null;
    if (isDamaged(newest)) return { id: newest.id, damaged: true, reason: newest.reason };
    const c = newest.card;
    return { id: newest.id, damaged: false, name: c.name, baseModelId: c.request.baseModelId, baseName: c.baseName, step: c.step, totalSteps: c.totalSteps, request: c.request, savedAt: newest.savedAt };
  },

  /** Continues the interrupted run `checkpointId` from the step it was saved at; as finetuneStart otherwise. */
  async finetuneContinue(jobId: string, checkpointId: string, onEvent?: (e: FinetuneEvent) => void): Promise<FinetuneCard> {
    checkJobId(jobId);
    if (typeof checkpointId !== 'string' || checkpointId === '') fail(`checkpointId must be a non-empty string, got ${JSON.stringify(checkpointId)}`);
    let resume: { card: RunCheckpointCard; state: FinetuneCheckpoint } | null = null;
    try {
      const stored = await checkpointStore().load(checkpointId);
      if (stored) {
        checkRunCard(stored.card);
        resume = { card: stored.card, state: unpackCheckpoint(stored.card.state, stored.artifacts) };
      }
    } catch (err) {
      fail(`The interrupted run cannot be continued (${(err as Error).message}); discard it.`);
    }
    if (!resume) fail('There is no interrupted fine-tuning run to continue: it finished, was cancelled or was discarded.');
    return runFinetune(jobId, resume.card.request, onEvent, resume);
  },

  /** Forgets an interrupted run (its checkpoint); true when there was one. */
  async finetuneDiscard(checkpointId: string): Promise<boolean> {
    if (typeof checkpointId !== 'string' || checkpointId === '') fail(`checkpointId must be a non-empty string, got ${JSON.stringify(checkpointId)}`);
    return checkpointStore().remove(checkpointId);
  },

  /** Pauses a running fine-tune at the next step boundary; true when there was one to pause. */
  finetunePause(jobId: string): boolean {
    const gate = gates.get(jobId);
    if (!gate) return false;
    gate.pause();
    return true;
  },

  finetuneResume(jobId: string): boolean {
    const gate = gates.get(jobId);
    if (!gate) return false;
    gate.resume();
    return true;
  },

  /** Fine-tuned models kept in this browser, oldest first. */
  async finetuneSaved(): Promise<SavedModel[]> {
    await syncSavedModels();
    const all = [...(await modelStore().list()), ...(await unsaved.list())];
    return all.map(({ id, card, savedAt }) => ({ id, card, savedAt }));
  },

  /** Stored records that cannot be used (a damaged card or weights), with why: the panel lists them with Delete. */
  async finetuneDamaged(): Promise<DamagedRecord[]> {
    return damagedRecords(modelStore());
  },

  /** Removes a fine-tuned model (or a damaged record) from the model list and from the browser's storage. */
  async finetuneDelete(id: string): Promise<boolean> {
    if (typeof id !== 'string' || id === '') fail(`id must be a non-empty string, got ${JSON.stringify(id)}`);
    const stored = await modelStore().remove(id);
    const held = await unsaved.remove(id);
    const listed = unregisterModel(id);
    return stored || held || listed;
  },

  /** model.json, weights.bin and card.json of a saved model (the weights are transferred, not copied). */
  async finetuneExport(id: string): Promise<ModelFiles & { name: string }> {
    const saved = await loadSaved(id);
    if (!saved) fail(`There is no saved fine-tuned model ${describeGiven(id)}.`);
    const files = { ...exportModelFiles(saved.artifacts, saved.card), name: saved.card.name };
    return Comlink.transfer(files, [files.weights]);
  },

  /**
   * Accuracy against ε under PGD on the held-out batch, for the base model and the fine-tuned one; saved on the
   * card. epsilons must start at 0 (clean accuracy).
   */
  async finetuneCurve(
    jobId: string,
    id: string,
    opts: { epsilons: number[]; steps: number; seed?: number },
    onProgress?: ProgressCallback,
  ): Promise<EpsilonCurve> {
    const saved = await loadSaved(id);
    if (!saved) fail(`There is no saved fine-tuned model ${describeGiven(id)}.`);
    const eps = opts?.epsilons;
    if (!Array.isArray(eps) || eps.length < 2 || eps[0] !== 0 || eps.some((e, i) => !(e >= 0 && e <= 1) || (i > 0 && !(e > eps[i - 1])))) {
      fail(`epsilons must be increasing numbers in [0, 1] starting at 0, got ${JSON.stringify(eps)}`);
    }
    if (!(Number.isInteger(opts.steps) && opts.steps >= 1 && opts.steps <= 200)) fail(`steps must be an integer in 1–200, got ${opts.steps}`);
    const card = saved.card;
    const [base, tuned] = await Promise.all([getModel(card.base.id), getModel(id)]);
    return asJob(jobId, async (signal) => {
      const { examples: test } = await examplesFor(base.entry, 'test');
      const heldOut = sliceExamples(test, 0, card.heldOut.n);
      const report = progressReporter(onProgress, 2 * heldOut.count);
      const attackOpts = { epsilons: eps.slice(1), norm: 'linf' as const, steps: opts.steps, relativeStepSize: 2.5 / opts.steps, randomStart: true, restarts: 1, seed: opts.seed ?? 11, batchSize: heldOut.count, signal };
      const curveOf = async (model: tf.LayersModel, offset: number, label: string) => {
        report(offset, label);
        const r = await robustAccuracy(layersModelAsAttackModel(model, base.entry.bounds), heldOut, getAttack('pgd'), {
          ...attackOpts,
          onBatch: (done) => report(offset + done, label),
        });
        return [r.clean_accuracy, ...r.points.map((p) => p.robust_accuracy)];
      };
      const before = await curveOf(layersModelOf(base, 'this curve'), 0, `PGD-${opts.steps} on ${card.base.name}`);
      const after = await curveOf(layersModelOf(tuned, 'this curve'), heldOut.count, `PGD-${opts.steps} on the fine-tuned model`);
      const curve: EpsilonCurve = { epsilons: eps.slice(), before, after, attack: `PGD-${opts.steps} (α = 2.5ε/${opts.steps}, 1 restart, random start)`, n: heldOut.count };
      await (card.notSaved ? unsaved : modelStore()).save({ ...saved, card: { ...card, curve } });
      return curve;
    });
  },
};
