import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { BASE, serveFromDisk } from './serve-from-disk';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { setBaseUrl } from '../../src/worker/context';
import { checkRunCard, finetuneApi, setFinetuneRunStore, setFinetuneStore, type FinetuneCard, type FinetuneEvent, type FinetuneRequest, type RunCheckpointCard } from '../../src/worker/finetune-api';
import { memoryModelStore, type ModelStore, type StoredModel } from '../../src/lib/models/storage';
import { checkCheckpointArtifacts } from '../../src/lib/train/finetune-checkpoint';
import { cancelJob } from '../../src/worker/jobs';
import { isCancelled } from '../../src/lib/util/cancel';

/**
 * The worker's side of "a fine-tuning run survives a reload": a running run keeps a checkpoint after every held-out
 * check; what a reload leaves behind (the checkpoint, with no run) is offered by finetuneCheckpoint and continued by
 * finetuneContinue to the same model the run would have made without the interruption. A run that ends — finished
 * or cancelled — leaves no checkpoint.
 */
const REQUEST: FinetuneRequest = {
  baseModelId: 'mnist-cnn',
  recipe: {
    method: 'fgsm-rs', epsilon: 0.1, epsilonRamp: 0, attackSteps: 1, relativeStepSize: 1.25, tradesBeta: 6, optimizer: 'adam',
    learningRate: 1e-3, schedule: 'constant', batchSize: 16, steps: 9, adversarialShare: 1, seed: 1,
  },
  heldOut: { n: 20, every: 3, pgdSteps: 2, restarts: 1 },
  earlyStop: false,
};

describe('fine-tuning runs across a reload (worker API)', () => {
  let restore: () => void;
  let runs: ModelStore<RunCheckpointCard>;
  /** The checkpoint the first test copied (reused by the second as a sound record to damage). */
  let kept: StoredModel<RunCheckpointCard> | null = null;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    setBaseUrl(BASE);
    restore = serveFromDisk();
    setFinetuneStore(memoryModelStore());
    runs = memoryModelStore<RunCheckpointCard>(checkRunCard, checkCheckpointArtifacts);
    setFinetuneRunStore(runs);
  });
  afterAll(() => restore());

  it('continues an interrupted run from its checkpoint step to the model the uninterrupted run makes', async () => {
    const straight = await finetuneApi.finetuneStart('resume-straight', REQUEST);
    expect(await runs.listAll()).toEqual([]);
    expect(await finetuneApi.finetuneCheckpoint()).toBeNull();
    await finetuneApi.finetuneDelete(straight.id);
    const tensorsBefore = tf.memory().numTensors;

    // The "reload": the run is paused after step 7 (checkpoints at 3 and 6), its checkpoint copied as the browser
    // would keep it, and the run stopped; a cancel removes the checkpoint, so the copy is put back.
    let snapshot = '';
    const first = finetuneApi.finetuneStart('resume-first', REQUEST, (e) => {
      if (e.kind === 'step' && e.progress.step === 7) finetuneApi.finetunePause('resume-first');
      if (e.kind === 'paused') {
        snapshot = e.card.id;
        void (async () => {
          const offered = await finetuneApi.finetuneCheckpoint();
          expect(offered).toMatchObject({ damaged: false, step: 6, totalSteps: 9, baseModelId: 'mnist-cnn' });
          kept = await runs.load(offered!.id);
          cancelJob('resume-first');
        })();
      }
    });
    expect(isCancelled(await first.catch((e: unknown) => e))).toBe(true);
    expect(await finetuneApi.finetuneCheckpoint()).toBeNull();
    await finetuneApi.finetuneDelete(snapshot);
    await runs.save(kept!);

    const offer = await finetuneApi.finetuneCheckpoint();
    expect(offer).toMatchObject({ damaged: false, step: 6, name: straight.name.replace(/ \(\d+\)$/, '') });
    const events: FinetuneEvent[] = [];
    const card: FinetuneCard = await finetuneApi.finetuneContinue('resume-second', offer!.id, (e) => events.push(e));
    const resumed = events.find((e) => e.kind === 'resumed');
    expect(resumed).toMatchObject({ step: 6, totalSteps: 9 });
    expect(resumed?.kind === 'resumed' && resumed.evaluations.map((e) => e.step)).toEqual([0, 3, 6]);
    expect(resumed?.kind === 'resumed' && resumed.trace.map((t) => t.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // Training went on from step 7; the base model was not measured again.
    expect(events.filter((e) => e.kind === 'step').map((e) => (e.kind === 'step' ? e.progress.step : 0))).toEqual([7, 8, 9]);
    expect(events.filter((e) => e.kind === 'evaluation').map((e) => (e.kind === 'evaluation' ? e.evaluation.step : 0))).toEqual([9]);
    // The same model as without the interruption: same held-out history, same kept step, same figures.
    expect(card.id).toBe(kept!.card.runId);
    expect(card.figures.stepsRun).toBe(9);
    expect(card.figures.weightsFromStep).toBe(straight.figures.weightsFromStep);
    expect(card.evaluations).toEqual(straight.evaluations);
    expect(card.figures.after).toEqual(straight.figures.after);
    expect(await finetuneApi.finetuneCheckpoint()).toBeNull();
    expect((await finetuneApi.finetuneSaved()).map((m) => m.id)).toEqual([card.id]);
    await finetuneApi.finetuneDelete(card.id);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('a damaged checkpoint is offered as damaged, refused with a message, and can be discarded', async () => {
    // A record whose card lost its fields (a failing disk, another version of the app, a hand-edited database).
    expect(kept).not.toBeNull();
    await runs.save({ ...kept!, id: 'broken', card: { runId: 'x' } as RunCheckpointCard });
    expect(await finetuneApi.finetuneCheckpoint()).toMatchObject({ id: 'broken', damaged: true, reason: expect.stringMatching(/card is damaged: it does not say which model/) });
    await expect(finetuneApi.finetuneContinue('resume-bad', 'broken')).rejects.toThrow(/cannot be continued \(it does not say which model it fine-tunes\); discard it/);
    // Tensors cut short are refused when written.
    const cut = { ...kept!.artifacts, weightData: kept!.artifacts.weightData.slice(8) };
    await expect(runs.save({ ...kept!, artifacts: cut })).rejects.toThrow(/claims \d+ bytes of tensors but holds/);
    expect(await finetuneApi.finetuneDiscard('broken')).toBe(true);
    expect(await finetuneApi.finetuneCheckpoint()).toBeNull();
    await expect(finetuneApi.finetuneContinue('resume-none', 'broken')).rejects.toThrow(/no interrupted fine-tuning run/);
  });
});
