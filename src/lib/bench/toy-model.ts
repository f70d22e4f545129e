/**
 * The 2-D classifier the boundary-grid benchmark draws: the toy zoo's MLP shape (2 → 32 → 32 → 2, ReLU) with
 * seeded weights. A grid's cost does not depend on what the weights learned, so no trained file is needed.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Bounds2D } from '../data/toy';
import { buildModel } from '../models/architectures';

export const TOY_BENCH_BOUNDS: Bounds2D = [
  [-1.5, 2.5],
  [-1, 1.5],
];

export function seededToyModel(seed = 7): tf.LayersModel {
  return buildModel({ kind: 'mlp', inputSize: 2, hidden: [32, 32], activation: 'relu', numClasses: 2 }, seed);
}
