/**
 * N-FGSM against FGSM-RS in the fine-tuning panel's setting (issue 17): from the shipped mnist-cnn, the panel's
 * default recipe at ε = 0.3 with the same budget (2 000 steps of 64 images, one gradient step each), checked on
 * held-out test images with PGD-20 (α = 2.5ε/20, random start) and FGSM every `--every` steps, and the panel's
 * catastrophic-overfitting detector on that series. Writes the series and the verdicts as JSON.
 *
 * `npx tsx scripts/bench/nfgsm-finetune.ts [--steps 2000] [--every 100] [--heldOut 200] [--methods n-fgsm,fgsm-rs] [--ramp 0]
 *  [--lr 1e-3] [--schedule constant] [--batch 64] [--k 1.5] [--alpha a] [--out FILE]` (--ramp: the panel's ε-ramp fraction; --lr its
 *  learning rate; --k N-FGSM's noise multiplier; --alpha the step as a multiple of ε)
 * Too slow for a unit test here (about 2 × 256k gradient passes plus the checks); the recorded run is in
 * docs/measurements/nfgsm-finetune.json.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../../src/lib/backend/node';
import { getAttack } from '../../src/lib/attacks/registry';
import { imageExamples } from '../../src/lib/data/examples';
import { decodeSubset } from '../../src/lib/data/subset';
import { findModel } from '../../src/lib/models/registry';
import { loadZooModelFromDisk, MODELS_DIR, readModelIndex } from '../../src/lib/models/node';
import { FINETUNE_METHODS, finetuneModel, type FinetuneMethod, type FinetuneRecipe } from '../../src/lib/train/finetune';
import { LR_SCHEDULES } from '../../src/lib/train/schedule';
import { DEFAULT_RECIPE, NFGSM_NOISE_MULTIPLIER, relativeStepFor } from '../../src/ui/panels/finetune/recipe-state';
import { isMainModule, numberOption, integerOption, progressBar, runCommand, type Command, type OptionTable, type Values } from '../cli';

const NFGSM_OPTIONS = {
  steps: { type: 'string', value: 'N', help: 'training steps per method', default: '2000' },
  every: { type: 'string', value: 'N', help: 'held-out check every N steps', default: '100' },
  heldOut: { type: 'string', value: 'N', help: 'held-out images', default: '200' },
  eps: { type: 'string', value: 'ε', help: 'training and evaluation ε (L∞)', default: '0.3' },
  ramp: { type: 'string', value: 'f', help: 'fraction of steps over which ε ramps up' },
  lr: { type: 'string', value: 'η', help: 'learning rate' },
  schedule: { type: 'string', value: 'name', help: 'learning-rate schedule: constant (the panel default), cyclic or cosine' },
  batch: { type: 'string', value: 'B', help: 'batch size (the panel offers 32, 64, 128)', default: '64' },
  k: { type: 'string', value: 'k', help: "N-FGSM noise multiplier (start uniform in the kε cube; default: the panel's)", default: String(NFGSM_NOISE_MULTIPLIER) },
  alpha: { type: 'string', value: 'a', help: "the step α as a multiple of ε (default: each method's rule, 1 for N-FGSM, 1.25 for FGSM-RS)" },
  methods: { type: 'string', value: 'list', help: 'methods to compare', default: 'n-fgsm,fgsm-rs' },
  out: { type: 'string', value: 'file', help: 'the JSON record', default: 'docs/measurements/nfgsm-finetune.json' },
} as const satisfies OptionTable;

const NFGSM_COMMAND: Command<typeof NFGSM_OPTIONS> = {
  name: 'npx tsx scripts/bench/nfgsm-finetune.ts',
  summary: 'Fine-tunes mnist-cnn with N-FGSM and FGSM-RS at the same budget and records held-out PGD-20 accuracy over steps.',
  options: NFGSM_OPTIONS,
};

const DATA = path.resolve(import.meta.dirname, '../../public/data');

function subset(name: string) {
  const b = readFileSync(path.join(DATA, name));
  return decodeSubset(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, name);
}

async function main(args: Values<typeof NFGSM_OPTIONS>): Promise<void> {
  const steps = integerOption(args, 'steps', 1, 2000);
  const every = integerOption(args, 'every', 1, 100);
  const heldOutN = integerOption(args, 'heldOut', 1, 200);
  const epsilon = numberOption(args, 'eps', 0.3);
  const ramp = numberOption(args, 'ramp', DEFAULT_RECIPE.epsilonRamp);
  const learningRate = numberOption(args, 'lr', DEFAULT_RECIPE.learningRate);
  const noiseMultiplier = numberOption(args, 'k', NFGSM_NOISE_MULTIPLIER);
  const alpha = args.alpha === undefined ? undefined : numberOption(args, 'alpha', 1);
  const batchSize = integerOption(args, 'batch', 2, 64);
  const schedule = args.schedule ?? DEFAULT_RECIPE.schedule;
  if (!(LR_SCHEDULES as readonly string[]).includes(schedule)) throw new Error(`--schedule: one of ${LR_SCHEDULES.join(', ')}, got "${schedule}"`);
  const methods = (args.methods ?? 'n-fgsm,fgsm-rs').split(',') as FinetuneMethod[];
  for (const m of methods) if (!(FINETUNE_METHODS as readonly string[]).includes(m)) throw new Error(`--methods: unknown method "${m}"`);
  const outFile = path.resolve(args.out ?? 'docs/measurements/nfgsm-finetune.json');
  await initNodeBackend('wasm');
  const train = imageExamples(subset('mnist-train.bin'));
  const test = imageExamples(subset('mnist-test.bin'));
  const entry = findModel(readModelIndex(), 'mnist-cnn');
  const runs: Record<string, unknown>[] = [];
  for (const method of methods) {
    const model = await loadZooModelFromDisk(entry);
    const { x, y } = test.batch(Int32Array.from({ length: heldOutN }, (_, i) => i));
    const labels = (await y.data()) as Int32Array;
    const recipe = { ...DEFAULT_RECIPE, method, epsilon, steps, epsilonRamp: ramp, learningRate, batchSize, schedule: schedule as FinetuneRecipe['schedule'], relativeStepSize: alpha ?? relativeStepFor(method, 1), ...(method === 'n-fgsm' ? { noiseMultiplier } : {}) };
    const series: { step: number; clean: number; robust: number; fgsm: number }[] = [];
    const started = performance.now();
    const result = await finetuneModel(model, train, { x, y: labels }, {
      recipe,
      heldOut: { every, pgdSteps: 20, pgdRelativeStepSize: 2.5 / 20, restarts: 1, seed: 7 },
      attacks: { pgd: getAttack('pgd'), fgsm: getAttack('fgsm') },
      earlyStop: false,
      onProgress: (p) => progressBar(p.step, p.totalSteps, p.elapsed, `${method} loss ${p.smoothedLoss.toFixed(3)}`),
      onEvaluation: (e) => {
        series.push(e);
        console.error(`${method} step ${e.step}: clean ${(100 * e.clean).toFixed(1)} %, PGD-20 ${(100 * e.robust).toFixed(1)} %, FGSM ${(100 * e.fgsm).toFixed(1)} %`);
      },
    });
    const best = series.filter((e) => e.step > 0).reduce((a, b) => (b.robust > a.robust ? b : a));
    runs.push({
      method,
      recipe,
      bestStep: best.step,
      bestRobust: best.robust,
      finalRobust: series[series.length - 1].robust,
      catastrophicWarning: result.warnings.catastrophic,
      seconds: Math.round((performance.now() - started) / 1000),
      series,
    });
    x.dispose();
    y.dispose();
    model.dispose();
  }
  const record = {
    command: `npx tsx scripts/bench/nfgsm-finetune.ts --steps ${steps} --every ${every} --heldOut ${heldOutN} --eps ${epsilon} --ramp ${ramp} --lr ${learningRate} --schedule ${schedule} --batch ${batchSize} --k ${noiseMultiplier}${alpha === undefined ? '' : ` --alpha ${alpha}`} --methods ${methods.join(',')}`,
    model: 'mnist-cnn',
    // The starting weights (mnist-cnn was retrained in session 3; earlier records started from older weights).
    modelWeightsSha256: createHash('sha256').update(readFileSync(path.join(MODELS_DIR, 'mnist-cnn', 'weights.bin'))).digest('hex'),
    epsilon,
    heldOut: { n: heldOutN, images: `the first ${heldOutN} of public/data/mnist-test.bin`, attack: 'PGD-20, α = 2.5ε/20, random start, 1 restart' },
    runs,
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(record, null, 2)}\n`);
  console.log(JSON.stringify(runs.map((r) => ({ method: r.method, bestRobust: r.bestRobust, finalRobust: r.finalRobust, catastrophic: r.catastrophicWarning !== null }))));
}

if (isMainModule(import.meta.url)) runCommand(NFGSM_COMMAND, main);
