/**
 * The toy MLP's configuration: its choices, limits, checks and one-line description. Kept apart from mlp.ts (which
 * builds the network with tfjs) because the UI needs these on the main thread, where tfjs must never load.
 */
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

/** "2 → 8 tanh → 8 tanh → 3", for labels and model cards. */
export function describeMlp(c: MlpConfig): string {
  return [String(c.inputSize), ...Array.from({ length: c.layers }, () => `${c.width} ${c.activation}`), String(c.numClasses)].join(' → ');
}
