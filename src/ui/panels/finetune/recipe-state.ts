/**
 * The fine-tuning recipe as the panel holds it, its defaults, and its place in the URL hash (keys prefixed "ft"
 * so they never collide with another panel's). Values go through the validating parsers of url-state.ts: a
 * tampered value is reported once and replaced by its default.
 */
import { boolParam, choiceParam, numberParam, readHash, updateHash, urlProblems } from '../../url-state';
import type { FinetuneMethod, FinetuneRecipe } from '../../../lib/train/finetune';
import type { HeldOutRequest } from '../../../worker/finetune-api';

export const METHODS: readonly FinetuneMethod[] = ['fgsm-rs', 'n-fgsm', 'pgd', 'trades'];
export const METHOD_LABELS: Record<FinetuneMethod, string> = { 'fgsm-rs': 'FGSM-RS', 'n-fgsm': 'N-FGSM', pgd: 'PGD-AT', trades: 'TRADES' };
export const METHOD_HELP: Record<FinetuneMethod, string> = {
  'fgsm-rs': 'Fast adversarial training: one FGSM step (α = 1.25 ε) from a random start (Wong, Rice & Kolter 2020). About 2 passes per image. A larger α invites catastrophic overfitting.',
  'n-fgsm': 'N-FGSM: one FGSM step (α = ε) from a random start in the larger cube of radius 2ε, not projected back onto the ε-cube (de Jorge et al. 2022). The same 2 passes per image as FGSM-RS, without its catastrophic overfitting at large ε.',
  pgd: 'PGD adversarial training: k projected gradient steps (α = 2.5 ε / k) from a random start (Madry et al. 2018). About k + 1 passes per image.',
  trades: 'TRADES: cross-entropy on clean images plus β × KL(clean ‖ adversarial), the adversary found with k steps (Zhang et al. 2019).',
};
export const SCHEDULES = ['constant', 'cyclic', 'cosine'] as const;
export const OPTIMIZERS = ['adam', 'sgd'] as const;
export const BATCH_SIZES = ['32', '64', '128'] as const;

export interface PanelRecipe {
  model: string;
  recipe: FinetuneRecipe;
  heldOut: HeldOutRequest;
  earlyStop: boolean;
}

/** Defaults measured to give a visible robust gain on mnist-cnn within about a minute on WASM (see the report). */
export const DEFAULT_RECIPE: FinetuneRecipe = {
  method: 'fgsm-rs',
  epsilon: 0.1,
  epsilonRamp: 0,
  attackSteps: 7,
  relativeStepSize: 1.25,
  tradesBeta: 6,
  optimizer: 'adam',
  learningRate: 1e-3,
  schedule: 'constant',
  batchSize: 64,
  steps: 200,
  adversarialShare: 1,
  seed: 1,
};

export const DEFAULT_HELD_OUT: HeldOutRequest = { n: 200, every: 20, pgdSteps: 10, restarts: 1 };

/** α as a multiple of ε for a method: 1.25 for FGSM-RS, 1 for N-FGSM, 2.5 / k for the multi-step methods. */
export function relativeStepFor(method: FinetuneMethod, k: number): number {
  return method === 'fgsm-rs' ? 1.25 : method === 'n-fgsm' ? 1 : 2.5 / k;
}

function integerParam(p: Record<string, string>, key: string, fallback: number, min: number, max: number): number {
  const v = numberParam(p, key, fallback, min, max);
  if (Number.isInteger(v)) return v;
  urlProblems.push(`“${key}=${p[key]}” in the address is not a whole number; using ${fallback}.`);
  return fallback;
}

export function readRecipe(modelIds: string[], defaultModel: string): PanelRecipe {
  const p = readHash();
  const method = choiceParam(p, 'ftMethod', METHODS, DEFAULT_RECIPE.method);
  const attackSteps = integerParam(p, 'ftK', DEFAULT_RECIPE.attackSteps, 1, 50);
  const recipe: FinetuneRecipe = {
    method,
    epsilon: numberParam(p, 'ftEps', DEFAULT_RECIPE.epsilon, 1 / 255, 0.5),
    epsilonRamp: numberParam(p, 'ftRamp', DEFAULT_RECIPE.epsilonRamp, 0, 1),
    attackSteps,
    relativeStepSize: numberParam(p, 'ftAlpha', relativeStepFor(method, attackSteps), 0.05, 4),
    tradesBeta: numberParam(p, 'ftBeta', DEFAULT_RECIPE.tradesBeta, 0.1, 20),
    optimizer: choiceParam(p, 'ftOpt', OPTIMIZERS, DEFAULT_RECIPE.optimizer),
    learningRate: numberParam(p, 'ftLr', DEFAULT_RECIPE.learningRate, 1e-5, 0.5),
    schedule: choiceParam(p, 'ftSched', SCHEDULES, DEFAULT_RECIPE.schedule),
    batchSize: Number(choiceParam(p, 'ftBatch', BATCH_SIZES, String(DEFAULT_RECIPE.batchSize) as '64')),
    steps: integerParam(p, 'ftSteps', DEFAULT_RECIPE.steps, 10, 5000),
    adversarialShare: numberParam(p, 'ftAdv', DEFAULT_RECIPE.adversarialShare, 0.1, 1),
    seed: integerParam(p, 'ftSeed', DEFAULT_RECIPE.seed, 0, 2 ** 31 - 1),
  };
  return {
    model: choiceParam(p, 'ftModel', modelIds, defaultModel),
    recipe,
    heldOut: {
      n: integerParam(p, 'ftN', DEFAULT_HELD_OUT.n, 50, 1000),
      every: integerParam(p, 'ftEvery', DEFAULT_HELD_OUT.every, 5, 500),
      pgdSteps: integerParam(p, 'ftPgd', DEFAULT_HELD_OUT.pgdSteps, 1, 100),
      restarts: DEFAULT_HELD_OUT.restarts,
    },
    earlyStop: boolParam(p, 'ftStop', true),
  };
}

export function writeRecipe(s: PanelRecipe): void {
  const r = s.recipe;
  updateHash({
    ftModel: s.model,
    ftMethod: r.method,
    ftEps: String(+r.epsilon.toFixed(5)),
    ftRamp: String(r.epsilonRamp),
    ftK: String(r.attackSteps),
    ftAlpha: String(+r.relativeStepSize.toFixed(4)),
    ftBeta: String(r.tradesBeta),
    ftOpt: r.optimizer,
    ftLr: String(r.learningRate),
    ftSched: r.schedule,
    ftBatch: String(r.batchSize),
    ftSteps: String(r.steps),
    ftAdv: String(r.adversarialShare),
    ftSeed: String(r.seed),
    ftN: String(s.heldOut.n),
    ftEvery: String(s.heldOut.every),
    ftPgd: String(s.heldOut.pgdSteps),
    ftStop: s.earlyStop ? '1' : '0',
  });
}
