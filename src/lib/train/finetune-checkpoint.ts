/**
 * A fine-tuning run kept across a reload or a crash: the training loop's whole state (TrainState: weights,
 * optimizer slots, generator position, the epoch's shuffled order, histories, best weights so far) and the held-out
 * history, packed into the layout the model store keeps (src/lib/models/storage.ts) — a small JSON part and one
 * binary buffer described by a manifest — so one IndexedDB transaction writes both halves, and a damaged record is
 * caught by the store's check when it is read back instead of crashing the resumed run.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelArtifacts } from '../models/storage';
import { ValidationError } from '../validate/numeric';
import type { EvalPoint } from './overfitting';
import type { SavedTensor, TrainState } from './train';
import type { FinetuneWarnings } from './finetune';

/** Everything finetuneModel needs to continue a run from the step it was saved at. */
export interface FinetuneCheckpoint {
  train: TrainState;
  /** Held-out evaluations so far, step 0 (the base model) first. */
  evaluations: EvalPoint[];
  warnings: FinetuneWarnings;
  /** Seconds of the run so far (evaluations included, pauses not), for the ETA and throughput. */
  elapsedSeconds: number;
  /** Of which spent evaluating. */
  evaluatingSeconds: number;
  evaluationsRun: number;
}

/** The JSON half: the checkpoint without its tensors and its order. */
export interface CheckpointMeta extends Omit<FinetuneCheckpoint, 'train'> {
  train: Omit<TrainState, 'weights' | 'optimizer' | 'order' | 'best'> & { best: { step: number; value: number } | null };
}

const FORMAT = 'finetune-checkpoint';
type Group = 'weights' | 'optimizer' | 'best';
const GROUPS: Group[] = ['weights', 'optimizer', 'best'];
const ORDER = 'order';

function fail(message: string): never {
  throw new ValidationError('Fine-tuning checkpoint', message);
}

/** Splits a checkpoint into the store's two halves. */
export function packCheckpoint(c: FinetuneCheckpoint): { meta: CheckpointMeta; artifacts: ModelArtifacts } {
  const { weights, optimizer, order, best, ...scalars } = c.train;
  const groups: Record<Group, SavedTensor[]> = { weights, optimizer, best: best?.weights ?? [] };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: ArrayBufferView[] = [];
  for (const g of GROUPS) {
    for (const t of groups[g]) {
      specs.push({ name: `${g}:${t.name}`, shape: t.shape.slice(), dtype: 'float32' });
      parts.push(t.data);
    }
  }
  specs.push({ name: ORDER, shape: [order.length], dtype: 'int32' });
  parts.push(order);
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  const meta: CheckpointMeta = {
    evaluations: c.evaluations.map((e) => ({ ...e })),
    warnings: { ...c.warnings },
    elapsedSeconds: c.elapsedSeconds,
    evaluatingSeconds: c.evaluatingSeconds,
    evaluationsRun: c.evaluationsRun,
    train: { ...scalars, best: best ? { step: best.step, value: best.value } : null },
  };
  return { meta, artifacts: { modelTopology: { format: FORMAT, version: 1 }, weightSpecs: specs, weightData: bytes.buffer } };
}

/**
 * The store's check of the binary half (written and read): a manifest of float32 tensors and one int32 order whose
 * sizes add up to the buffer, and finite weights. Throws a ValidationError saying what is wrong.
 */
export function checkCheckpointArtifacts(artifacts: unknown, name: string): void {
  const a = artifacts as Partial<ModelArtifacts> | null;
  if (typeof a !== 'object' || a === null) fail(`${name} has no saved state.`);
  if ((a.modelTopology as { format?: unknown } | undefined)?.format !== FORMAT) fail(`${name} is not a fine-tuning checkpoint.`);
  if (!Array.isArray(a.weightSpecs) || a.weightSpecs.length === 0) fail(`${name} lists no tensors.`);
  if (!(a.weightData instanceof ArrayBuffer)) fail(`${name} has lost its saved tensors.`);
  let bytes = 0;
  let orders = 0;
  for (const s of a.weightSpecs) {
    const shapeOk = Array.isArray(s?.shape) && s.shape.every((d) => Number.isInteger(d) && d >= 0);
    if (typeof s?.name !== 'string' || !shapeOk) fail(`${name} lists a tensor without a name or shape.`);
    if (s.name === ORDER) {
      if (s.dtype !== 'int32') fail(`${name}: the shuffled order must be int32.`);
      orders++;
    } else if (s.dtype !== 'float32' || !GROUPS.some((g) => s.name.startsWith(`${g}:`))) {
      fail(`${name} lists an unknown tensor “${s.name}”.`);
    }
    bytes += 4 * s.shape.reduce((p, d) => p * d, 1);
  }
  if (orders !== 1) fail(`${name} must hold one shuffled order, holds ${orders}.`);
  if (bytes !== a.weightData.byteLength) fail(`${name} claims ${bytes} bytes of tensors but holds ${a.weightData.byteLength}.`);
  let at = 0;
  for (const s of a.weightSpecs) {
    const size = s.shape.reduce((p, d) => p * d, 1);
    if (s.name !== ORDER) {
      const floats = new Float32Array(a.weightData, at, size);
      for (let i = 0; i < size; i++) if (!Number.isFinite(floats[i])) fail(`${name} holds a weight that is not a finite number (${s.name}).`);
    }
    at += 4 * size;
  }
}

/** Puts a checkpoint back together; the artifacts must have passed checkCheckpointArtifacts. */
export function unpackCheckpoint(meta: CheckpointMeta, artifacts: ModelArtifacts): FinetuneCheckpoint {
  const t = meta?.train;
  if (!t || !Number.isInteger(t.step) || !Number.isInteger(t.totalSteps) || t.step < 0 || t.step > t.totalSteps) {
    fail('The fine-tuning checkpoint does not say which step it was saved at.');
  }
  if (!Array.isArray(meta.evaluations) || meta.evaluations.length === 0) fail('The fine-tuning checkpoint has lost its held-out history.');
  const groups: Record<Group, SavedTensor[]> = { weights: [], optimizer: [], best: [] };
  let order = new Int32Array(0);
  let at = 0;
  for (const s of artifacts.weightSpecs) {
    const size = s.shape.reduce((p, d) => p * d, 1);
    if (s.name === ORDER) {
      order = new Int32Array(artifacts.weightData.slice(at, at + 4 * size));
    } else {
      const split = s.name.indexOf(':');
      groups[s.name.slice(0, split) as Group].push({ name: s.name.slice(split + 1), shape: s.shape.slice(), data: new Float32Array(artifacts.weightData.slice(at, at + 4 * size)) });
    }
    at += 4 * size;
  }
  const { best, ...scalars } = t;
  if (best && groups.best.length !== groups.weights.length) fail('The fine-tuning checkpoint has lost its best weights.');
  return {
    evaluations: meta.evaluations.map((e) => ({ ...e })),
    warnings: { ...meta.warnings },
    elapsedSeconds: meta.elapsedSeconds,
    evaluatingSeconds: meta.evaluatingSeconds,
    evaluationsRun: meta.evaluationsRun,
    train: { ...scalars, weights: groups.weights, optimizer: groups.optimizer, order, best: best ? { ...best, weights: groups.best } : null },
  };
}
