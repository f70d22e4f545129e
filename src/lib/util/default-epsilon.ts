/**
 * The ε a panel opens with for a model's input (tfjs-free, for the UI). Grey MNIST-like inputs take the classic
 * MNIST budgets; colour inputs (the 32×32 signs) take the CIFAR-style 8/255 in L∞, the budget their cards measure.
 */
import type { Norm } from '../attacks/types';

export const MNIST_EPSILON = { linf: 0.1, l2: 1.5, l0: 20 } as const;
export const COLOUR_LINF_EPSILON = 8 / 255;

export function defaultEpsilon(norm: Norm, channels: number): number {
  if (channels === 3 && norm === 'linf') return COLOUR_LINF_EPSILON;
  return MNIST_EPSILON[norm];
}

/** Channels of a model's input shape ([rows, cols, channels] or a flat [n]: grey). */
export function inputChannels(inputShape: readonly number[]): number {
  return inputShape.length === 3 ? inputShape[2] : 1;
}
