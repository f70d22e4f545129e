/**
 * One image-space slice for one or more models: the plane through an image spanned by an adversarial direction (of
 * the plane model) and a random orthogonal one, each model's predicted class over it, the distance to the nearest
 * other class along the adversarial axis, and the L∞ ε-ball's cut through the plane. Plain arrays in and out; the
 * worker's façade checks the request, finds the models and the image, and transfers the result.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackModel, AttackSpec } from '../attacks/types';
import { evaluateInBatches } from './grid';
import {
  SLICE_BATCH,
  attackDirection,
  boundaryDistance,
  evaluateSlice,
  gradientSignDirection,
  linfBallSlice,
  makeSlicePlane,
  type SliceDirection,
} from './slice';

export interface SliceModel {
  id: string;
  name: string;
  robust: boolean;
  model: AttackModel;
}

export interface SliceModelResult {
  modelId: string;
  name: string;
  robust: boolean;
  /** Row-major resolution², row 0 = b = +extent. */
  predicted: Uint8Array;
  confidence: Float32Array;
  /** Prediction at the image itself. */
  cleanPrediction: number;
  /** Distance along the adversarial axis to the first other class (L∞ units); null when none within extent. */
  boundaryDistance: number | null;
}

export interface SliceSettings {
  direction: SliceDirection;
  /** L∞ budget: the ε-ball drawn, and PGD's ε for the 'pgd' direction. */
  epsilon: number;
  /** The plane covers a, b ∈ [−extent, extent] (L∞ units). */
  extent: number;
  resolution: number;
  seed: number;
  /** The attack whose δ spans the plane for the 'pgd' direction (20 steps). */
  pgd: AttackSpec;
  signal?: AbortSignal;
  /** Grid points evaluated so far of the total, with the model being evaluated. */
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface SliceComputation {
  /** The adversarial point's coordinates on the plane: (‖δ‖∞, 0). */
  adversarialPoint: [number, number];
  /** The L∞ ε-ball's cut through the plane: flat [a0, b0, a1, b1, …]. */
  ballPolygon: Float32Array;
  models: SliceModelResult[];
}

/** Computes the slice through `image` (true class `label`) spanned by the direction of models[planeIndex]. */
export async function computeSlice(image: Float32Array, label: number, models: SliceModel[], planeIndex: number, s: SliceSettings): Promise<SliceComputation> {
  const planeModel = models[planeIndex].model;
  const adversarialDirection =
    s.direction === 'pgd'
      ? await attackDirection(planeModel, s.pgd, image, label, s.epsilon, { steps: 20, seed: s.seed, signal: s.signal })
      : await gradientSignDirection(planeModel, image, label);
  let axisLength = 0;
  for (const v of adversarialDirection) axisLength = Math.max(axisLength, Math.abs(v));
  // PGD may leave δ = 0 (the image is already misclassified); fall back to the gradient sign then.
  const spanning = axisLength > 0 ? adversarialDirection : await gradientSignDirection(planeModel, image, label);
  const plane = makeSlicePlane(image, spanning, planeModel.inputShape, s.seed);
  const adversarialPoint: [number, number] = [s.direction === 'pgd' && axisLength > 0 ? axisLength : s.epsilon, 0];
  const ballPolygon = Float32Array.from(linfBallSlice(plane, s.epsilon).flat());
  const batches = Math.ceil((s.resolution * s.resolution) / SLICE_BATCH);
  const results: SliceModelResult[] = [];
  for (const [k, m] of models.entries()) {
    const { logits, numClasses, inputShape, bounds } = m.model;
    const grid = await evaluateSlice(logits, plane, {
      extent: s.extent,
      resolution: s.resolution,
      bounds,
      numClasses,
      signal: s.signal,
      onBatch: (done) => s.onProgress?.(k * batches + Math.ceil(done / SLICE_BATCH), models.length * batches, `Evaluating ${m.name}`),
    });
    const centre = await boundaryDistance(logits, image, label, plane.uAxis, { maxDistance: s.extent, samples: 128, inputShape, numClasses, bounds, signal: s.signal });
    const clean = await evaluateInBatches(logits, 1, () => tf.tensor(image, [1, ...inputShape]), { batchSize: 1, numClasses });
    results.push({
      modelId: m.id,
      name: m.name,
      robust: m.robust,
      predicted: grid.predicted,
      confidence: grid.confidence,
      cleanPrediction: clean.predicted[0],
      boundaryDistance: Number.isFinite(centre) ? centre : null,
    });
  }
  return { adversarialPoint, ballPolygon, models: results };
}
