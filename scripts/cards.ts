/**
 * `npm run cards [-- --model <id>[,<id>…]] [--rerun] [--skip-eval]`: writes each trained model's card
 * (models/<id>/card.json) and the zoo index (models/index.json). Cards are only ever written here.
 *
 * A card holds the recipe (data, architecture, seed, every training hyperparameter), the training record
 * (models/<id>/training.json, written by `npm run train`), size, and the results of the recipe's evaluations, each
 * with the `npm run eval` command that reproduces it. Evaluation results are cached in models/<id>/evals.json keyed
 * by that command: missing ones are run, --rerun runs them all again, --skip-eval runs none.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../src/lib/backend/node';
import { CLASS_NAMES, IMAGE_SHAPES } from '../src/lib/data/dataset';
import { FULL_TEST_SET } from '../src/lib/eval/interval';
import { accuracyPoint, type RobustAccuracyPoint } from '../src/lib/eval/robust-accuracy';
import { describeArchitecture } from '../src/lib/models/architectures';
import type { CardEvaluation, ModelCard } from '../src/lib/models/card';
import { MODELS_DIR, WEIGHTS_FILE } from '../src/lib/models/node';
import { parseModelIndex, type ModelEntry } from '../src/lib/models/registry';
import { ZOO_RECIPES, type ZooRecipe } from '../src/lib/models/zoo';
import { isMainModule, progressBar, runCommand, UsageError, type Command, type OptionTable, type Values } from './cli';
import { evalCommand, evaluateModel, type EvalRecord } from './evaluate';
import { recipeData } from './recipe-data';

/** models/<id>/training.json as `npm run train` writes it (a checkpoint of an unfinished run has fewer fields). */
/** Every option of `npm run cards`, in one place. */
export const CARDS_OPTIONS = {
  model: { type: 'string', value: 'ids', help: 'only these models (comma-separated); the others keep their cards' },
  rerun: { type: 'boolean', help: 'run every evaluation again instead of using models/<id>/evals.json' },
  'skip-eval': { type: 'boolean', help: 'run no evaluation; cards show the cached results only' },
} as const satisfies OptionTable;

export const CARDS_COMMAND: Command<typeof CARDS_OPTIONS> = {
  name: 'npm run cards --',
  summary:
    "Writes each trained model's card (models/<id>/card.json), models/index.json and models/README.md, running the " +
    "recipe's evaluations that are not cached yet.",
  options: CARDS_OPTIONS,
};

interface TrainingJson {
  /** The recipe the weights were trained with (the card reports it, not today's zoo.ts). */
  recipe: ZooRecipe;
  partial: boolean;
  parameters: number;
  weightBytes: number;
  seconds: number;
  steps?: number;
  totalSteps?: number;
  bestStep?: number;
  bestValidation?: number | null;
  stoppedEarly?: boolean;
  validations?: { step: number; value: number }[];
  finalLoss?: number | null;
  meanLossLast100?: number;
  tfjs?: string;
  backend?: string;
}

/** What determines the weights: data, architecture, seed, training and held-out check. */
function trainingRecipeKey(r: ZooRecipe): string {
  return JSON.stringify([r.data, r.architecture, r.seed, r.training, r.validation ?? null, ...(r.init ? [r.init] : [])]);
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
}

function indexEntry(recipe: ZooRecipe): ModelEntry {
  const d = recipe.data;
  const t = recipe.training;
  // Adversarially trained only: noise-trained and distilled models carry no L∞ training budget.
  const robust = t.method !== 'standard' && t.epsilon !== undefined;
  const base = {
    id: recipe.id,
    name: recipe.name,
    description: recipe.description,
    robust,
    epsilon: robust ? (recipe.robustEpsilon ?? t.epsilon ?? null) : null,
    card: `${recipe.id}/card.json`,
    files: { model: `${recipe.id}/model.json`, weights: [`${recipe.id}/${WEIGHTS_FILE}`] },
  };
  if (d.kind === 'image') {
    return { ...base, dataset: d.dataset, kind: 'image', inputShape: IMAGE_SHAPES[d.dataset], classNames: CLASS_NAMES[d.dataset], bounds: [0, 1] };
  }
  return {
    ...base,
    dataset: d.dataset,
    kind: 'toy',
    inputShape: [2],
    classNames: Array.from({ length: d.classes }, (_, i) => `class ${i}`),
    bounds: recipeData(recipe).bounds,
    toy: {
      dataset: d.dataset,
      classes: d.classes,
      noise: d.noise,
      seed: d.seed,
      n: d.n,
      nTest: d.nTest,
      ...(d.gap !== undefined ? { gap: d.gap } : {}),
      ...(d.imbalance !== undefined ? { imbalance: d.imbalance } : {}),
    },
  };
}

async function main(args: Values<typeof CARDS_OPTIONS>): Promise<void> {
  if (args.rerun && args['skip-eval']) throw new UsageError('--rerun and --skip-eval contradict each other; give one.');
  // --model takes one id or a comma-separated list.
  const only = args.model === undefined ? null : new Set(args.model.split(','));
  const unknown = only ? [...only].filter((id) => !ZOO_RECIPES.some((r) => r.id === id)) : [];
  if (unknown.length) throw new UsageError(`Unknown model ${unknown.join(', ')}. Known models: ${ZOO_RECIPES.map((r) => r.id).join(', ')}.`);
  await initNodeBackend('wasm');
  const entries: ModelEntry[] = [];
  for (const recipe of ZOO_RECIPES) {
    const dir = path.join(MODELS_DIR, recipe.id);
    const training = readJson<TrainingJson>(path.join(dir, 'training.json'));
    if (!training || !existsSync(path.join(dir, 'model.json'))) {
      console.error(`${recipe.id}: not trained yet (npm run train -- --model ${recipe.id}); left out of the index`);
      continue;
    }
    const differs = trainingRecipeKey(training.recipe) !== trainingRecipeKey(recipe);
    if (differs) {
      console.error(`${recipe.id}: the trained weights follow an older recipe than zoo.ts; retrain (npm run train -- --model ${recipe.id}). The card reports the recipe used.`);
    }
    const trained = training.recipe;
    const entry = indexEntry(trained);
    if (only !== null && !only.has(recipe.id)) {
      // Other models keep the card they have; one without a card stays out of the index until it gets one.
      if (existsSync(path.join(dir, 'card.json'))) entries.push(entry);
      continue;
    }
    entries.push(entry);
    const cacheFile = path.join(dir, 'evals.json');
    // Results belong to one set of weights: a retrained model starts with an empty cache.
    const weightsSha256 = createHash('sha256').update(readFileSync(path.join(dir, WEIGHTS_FILE))).digest('hex');
    const stored = readJson<{ weightsSha256: string; results: Record<string, EvalRecord> }>(cacheFile);
    const cache = stored?.weightsSha256 === weightsSha256 ? stored.results : {};
    const evaluations: (EvalRecord & { command: string })[] = [];
    for (const plan of recipe.evaluations) {
      const command = evalCommand(recipe.id, plan);
      if (!args['skip-eval'] && (args.rerun || !cache[command])) {
        console.error(`${command}`);
        cache[command] = await evaluateModel(recipe.id, plan, (done, total, s) => progressBar(done, total, s, recipe.id));
        writeFileSync(cacheFile, `${JSON.stringify({ weightsSha256, results: cache }, null, 2)}\n`);
      }
      if (cache[command]) evaluations.push(withIntervals({ command, ...cache[command] }));
    }
    const comparison = twinComparison(recipe, evaluations);
    const torchCheck = readJson<Record<string, unknown>>(path.join(dir, 'torch-check.json'));
    const independentCheck = torchCheck?.weightsSha256 === weightsSha256 ? torchCheck : null;
    const card: ModelCard = {
      ...entry,
      architecture: { summary: describeArchitecture(trained.architecture), ...trained.architecture },
      parameters: training.parameters,
      weightBytes: training.weightBytes,
      data: trained.data,
      seed: trained.seed,
      training: trained.training,
      validation: trained.validation ?? null,
      trainingRecord: {
        partial: training.partial,
        steps: training.steps ?? null,
        totalSteps: training.totalSteps ?? null,
        seconds: training.seconds,
        bestStep: training.bestStep ?? null,
        bestValidation: training.bestValidation ?? null,
        stoppedEarly: training.stoppedEarly ?? null,
        validations: training.validations ?? [],
        finalLoss: training.finalLoss ?? null,
        meanLossLast100: training.meanLossLast100 ?? null,
        tfjs: training.tfjs ?? null,
        backend: training.backend ?? null,
        command: `npm run train -- --model ${recipe.id}`,
      },
      evaluations,
      ...(comparison ? { comparison } : {}),
      ...(independentCheck ? { independentCheck } : {}),
      notes: recipe.notes ?? [],
      ...(differs ? { currentRecipeDiffers: true } : {}),
    };
    writeFileSync(path.join(dir, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
    console.error(`wrote models/${recipe.id}/card.json`);
  }
  const index = parseModelIndex({ version: 1, models: entries });
  writeFileSync(path.join(MODELS_DIR, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  console.error(`wrote models/index.json (${entries.length} models)`);
  writeFileSync(path.join(MODELS_DIR, 'README.md'), zooSummary(entries));
  console.error('wrote models/README.md');
}

/** Evaluations cached before intervals existed get theirs here (the counts are accuracy × n, whole numbers). */
function withIntervals<T extends CardEvaluation>(ev: T): T {
  const label = (points: RobustAccuracyPoint[]) =>
    points.map((p) => (p.ci95 || ev.n >= FULL_TEST_SET ? p : accuracyPoint(p.eps, Math.round(p.robust_accuracy * ev.n), ev.n)));
  return { ...ev, points: label(ev.points), ...(ev.stages ? { stages: ev.stages.map((s) => ({ ...s, points: label(s.points) })) } : {}) };
}

/**
 * A robust toy model against its standard twin (the id without "-robust"), at the robust model's training ε, from
 * the first evaluation both cards share (same attack, steps, restarts, n).
 */
function twinComparison(recipe: ZooRecipe, evaluations: CardEvaluation[]): ModelCard['comparison'] | undefined {
  if (recipe.data.kind !== 'toy' || !recipe.id.endsWith('-robust') || recipe.training.epsilon === undefined) return undefined;
  const twinId = recipe.id.slice(0, -'-robust'.length);
  const twin = readJson<ModelCard>(path.join(MODELS_DIR, twinId, 'card.json'));
  const eps = recipe.training.epsilon;
  for (const ev of evaluations) {
    const mine = ev.points.find((p) => p.eps === eps);
    const other = twin?.evaluations.find((t) => t.command === ev.command.replace(`--model ${recipe.id} `, `--model ${twinId} `));
    const theirs = other?.points.find((p) => p.eps === eps);
    if (mine && theirs) {
      return {
        standardModel: twinId,
        attack: ev.command.replace(/^npm run eval -- --model \S+ /, ''),
        epsilon: eps,
        standard: theirs.robust_accuracy,
        robust: mine.robust_accuracy,
        marginPoints: Math.round(1000 * (mine.robust_accuracy - theirs.robust_accuracy)) / 10,
      };
    }
  }
  return undefined;
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** models/README.md: a table of every card's evaluations, generated (never edited by hand). */
function zooSummary(entries: ModelEntry[]): string {
  const lines = [
    '# Model zoo',
    '',
    'Generated by `npm run cards` from the cards in this folder; do not edit. Each row is one `npm run eval` run on the',
    'first n test examples (the command is in the card). Robust accuracy is 1 − the attack\'s success rate; for the',
    '"certified L2" rows the figures are certified accuracy at each L2 radius and "clean" is certified accuracy at radius 0.',
    '',
    '| model | params | trained | attack | n | clean | robust accuracy at ε |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of entries) {
    const card = readJson<ModelCard>(path.join(MODELS_DIR, e.card));
    if (!card) continue;
    const t = card.training;
    const how =
      t.method === 'gaussian' ? `noise σ=${t.noiseSigma}` : t.method === 'distill' ? `distilled T=${t.temperature}` : t.method === 'standard' ? 'standard' : `${t.method} ε=${t.epsilon}`;
    for (const ev of card.evaluations) {
      const p = ev.params;
      const attack = p.certified
        ? `certified L2 (σ=${p.sigma}, N=${p.draws}, n0=${p.n0}, α=${p.alpha})`
        : `${ev.attack}${p.steps ? `-${p.steps}` : ''}${p.restarts && p.restarts !== 1 ? ` ×${p.restarts}` : ''}${p.loss ? ` ${p.loss} loss` : ''}`;
      // A figure from fewer than 10 000 images is labelled with its 95 % interval (the evals since issue 17 carry it).
      const ci = (q: (typeof ev.points)[number]) => (q.ci95 ? ` [95 %: ${(100 * q.ci95[0]).toFixed(1)}–${(100 * q.ci95[1]).toFixed(1)}]` : '');
      const points = ev.points.map((q) => `${q.eps}: ${pct(q.robust_accuracy)}${ci(q)}`).join(', ');
      const stages = ev.stages?.length
        ? `; after ${ev.stages.map((s) => `${s.attack} ${s.points.map((q) => pct(q.robust_accuracy)).join('/')}`).join(' → ')}`
        : '';
      lines.push(`| ${e.id} | ${card.parameters} | ${how} | ${attack} | ${ev.n} | ${pct(ev.clean_accuracy)} | ${points}${stages} |`);
    }
    const c = card.comparison;
    if (c) lines.push(`| ${e.id} vs ${c.standardModel} | | | same attack at ε = ${c.epsilon} | | | ${pct(c.robust)} vs ${pct(c.standard)}: ${c.marginPoints >= 0 ? '+' : ''}${c.marginPoints} points |`);
  }
  return `${lines.join('\n')}\n`;
}

if (isMainModule(import.meta.url)) runCommand(CARDS_COMMAND, main);
