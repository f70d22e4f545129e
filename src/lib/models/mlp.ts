/**
 * A small configurable multilayer perceptron for the 2-D toy playground (TensorFlow Playground's network, with
 * logits out): `layers` hidden layers of `width` units with one activation, then a linear layer to the classes.
 * Initialisation is seeded (Glorot uniform kernels, zero biases), so a reset with the same seed gives the same net.
 */
import * as tf from '@tensorflow/tfjs';

export const MLP_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

export const MAX_MLP_LAYERS = 6;
export const MAX_MLP_WIDTH = 128;

export interface MlpConfig {
  /** Number of hidden layers, 0–MAX_MLP_LAYERS (0 = a linear classifier). */
  layers: number;
  /** Units per hidden layer, 1–MAX_MLP_WIDTH. */
  width: number;
  activation: MlpActivation;
  /** Input features (2 for the toy plane). */
  inputSize: number;
  numClasses: number;
}

export function validateMlpConfig(c: MlpConfig): MlpConfig {
  if (!Number.isInteger(c.layers) || c.layers < 0 || c.layers > MAX_MLP_LAYERS) {
    throw new Error(`layers must be an integer in [0, ${MAX_MLP_LAYERS}], got ${c.layers}`);
  }
  if (!Number.isInteger(c.width) || c.width < 1 || c.width > MAX_MLP_WIDTH) {
    throw new Error(`width must be an integer in [1, ${MAX_MLP_WIDTH}], got ${c.width}`);
  }
  if (!(MLP_ACTIVATIONS as readonly string[]).includes(c.activation)) {
    throw new Error(`activation must be one of ${MLP_ACTIVATIONS.join(', ')}, got ${c.activation}`);
  }
  if (!Number.isInteger(c.inputSize) || c.inputSize < 1) throw new Error(`inputSize must be a positive integer, got ${c.inputSize}`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 2) throw new Error(`numClasses must be an integer ≥ 2, got ${c.numClasses}`);
  return c;
}

/** Builds the MLP; its output is logits [N, numClasses]. */
export function buildMlp(config: MlpConfig, seed: number): tf.Sequential {
  validateMlpConfig(config);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const model = tf.sequential();
  for (let i = 0; i < config.layers; i++) {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [config.inputSize] } : {}),
        units: config.width,
        activation: config.activation,
        kernelInitializer: init(),
        name: `hidden${i + 1}`,
      }),
    );
  }
  model.add(
    tf.layers.dense({
      ...(config.layers === 0 ? { inputShape: [config.inputSize] } : {}),
      units: config.numClasses,
      kernelInitializer: init(),
      name: 'logits',
    }),
  );
  return model;
}

/** "2 → 8 tanh → 8 tanh → 3", for labels and model cards. */
export function describeMlp(c: MlpConfig): string {
  return [String(c.inputSize), ...Array.from({ length: c.layers }, () => `${c.width} ${c.activation}`), String(c.numClasses)].join(' → ');
}
