/**
 * The throw-away calls that warm the Attack Lab's path on a model: a prediction, FGSM calls and short PGD runs on a
 * blank image. The interactive worker runs them when idle after a model loads (src/worker/warm-up.ts), and the bench
 * runs them before its single-image rows, so that those rows time what a click in the app costs.
 */
import { getAttack } from './registry';
import { probabilitiesOf, tracedAttack } from './traced-run';
import type { AttackModel } from './types';
import { argmax } from '../util/argmax';

/** FGSM calls: V8 has optimised the path by about the 20th (measured in Node). */
const FGSM_CALLS = 24;
const PGD_CALLS = 4;
const PGD_STEPS = 5;

/** One piece of warm-up work: a single library call that leaves no tensor behind. */
export type WarmUpPiece = () => Promise<void>;

/** The pieces that warm the Attack Lab's path on `model` (a prediction first, which also gives the attacked label). */
export function attackPathPieces(model: AttackModel): WarmUpPiece[] {
  const blank = new Float32Array(model.inputShape.reduce((a, b) => a * b, 1)).fill(model.bounds[0]);
  let label = 0;
  const pieces: WarmUpPiece[] = [
    async () => {
      // The blank image's own class: an untargeted attack skips an image that is already misclassified.
      label = argmax(await probabilitiesOf(model, blank, 1));
    },
  ];
  const fgsm = getAttack('fgsm');
  const pgd = getAttack('pgd');
  for (let i = 0; i < FGSM_CALLS; i++) {
    pieces.push(async () => {
      await tracedAttack(fgsm, model, blank, label, { epsilons: [0.1], seed: i });
    });
  }
  for (let i = 0; i < PGD_CALLS; i++) {
    pieces.push(async () => {
      await tracedAttack(pgd, model, blank, label, { epsilons: [0.1], steps: PGD_STEPS, seed: i });
    });
  }
  return pieces;
}

