/**
 * A small configurable multilayer perceptron for the 2-D toy playground (TensorFlow Playground's network, with
 * logits out): `layers` hidden layers of `width` units with one activation, then a linear layer to the classes.
 * Initialisation is seeded (Glorot uniform kernels, zero biases), so a reset with the same seed gives the same net.
 */
import * as tf from '@tensorflow/tfjs';

export { MLP_ACTIVATIONS, MAX_MLP_LAYERS, MAX_MLP_WIDTH, validateMlpConfig, describeMlp, type MlpActivation, type MlpConfig } from './mlp-config';
import { validateMlpConfig, type MlpConfig } from './mlp-config';

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
