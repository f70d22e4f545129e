/**
 * `npm run train -- --model <id> [--steps N] [--out DIR] [--resume] [--checkpoint-dir DIR] [--checkpoint-every N]
 *  [--init model.json]`:
 * trains one zoo model from its recipe (src/lib/models/zoo.ts), reproducibly from its seed, on tfjs wasm in Node;
 * writes <out>/<id>/model.json, weights.bin and training.json (the recipe, the result, the held-out checks). The card
 * is then written by `npm run cards`.
 * --init starts from earlier weights (a warm start); a recipe with `init` requires them and checks their hash.
 * --steps cuts training short (smoke runs); such a run is marked as partial in training.json.
 * Every --checkpoint-every steps (default 200) the whole loop state goes to --checkpoint-dir (default
 * .cache/train/<id>); --resume continues a killed run from there (same recipe, same --steps).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../src/lib/backend/node';
import { buildModel, countParameters } from '../src/lib/models/architectures';
import { loadModelFromFile, MODELS_DIR, saveModelToDir } from '../src/lib/models/node';
import { findRecipe, ZOO_RECIPES } from '../src/lib/models/zoo';
import { trainModel } from '../src/lib/train/train';
import { layersModelAsAttackModel } from '../src/lib/attacks/model-adapter';
import { getAttack } from '../src/lib/attacks/registry';
import { robustAccuracy } from '../src/lib/eval/robust-accuracy';
import { recipeData } from './recipe-data';
import { checkpointExists, readCheckpoint, writeCheckpoint } from './train-checkpoint';
import { integerOption, isMainModule, progressBar, required, runCommand, UsageError, type Command, type OptionTable, type Values } from './cli';

/** Every option of `npm run train`, in one place. */
export const TRAIN_OPTIONS = {
  model: { type: 'string', value: 'id', help: `zoo recipe to train (${ZOO_RECIPES.map((r) => r.id).join(', ')})` },
  steps: { type: 'string', value: 'N', help: 'stop after N steps (a smoke run, marked partial in training.json)' },
  out: { type: 'string', value: 'dir', help: 'parent folder of <id>/ (default: models/)' },
  resume: { type: 'boolean', help: 'continue an interrupted run from its checkpoint' },
  'checkpoint-dir': { type: 'string', value: 'dir', help: 'where checkpoints go (default: .cache/train/<id>)' },
  'checkpoint-every': { type: 'string', value: 'N', help: 'write a checkpoint every N steps', default: '200' },
  init: { type: 'string', value: 'model.json', help: 'start from these weights instead of the seeded initialisation (a warm start)' },
} as const satisfies OptionTable;

export const TRAIN_COMMAND: Command<typeof TRAIN_OPTIONS> = {
  name: 'npm run train --',
  summary:
    'Trains one zoo model from its recipe (src/lib/models/zoo.ts), reproducibly from its seed, on tfjs wasm; ' +
    'writes <out>/<id>/model.json, weights.bin and training.json. Cards are written by npm run cards.',
  options: TRAIN_OPTIONS,
};

function writeRecord(dir: string, record: object): void {
  writeFileSync(path.join(dir, 'training.json'), `${JSON.stringify(record, null, 2)}\n`);
}

async function warmStart(model: tf.LayersModel, modelJson: string): Promise<{ model: string; weightsSha256: string }> {
  const from = await loadModelFromFile(modelJson);
  try {
    const src = from.getWeights();
    const dst = model.getWeights();
    const same = src.length === dst.length && src.every((w, i) => w.shape.join('x') === dst[i].shape.join('x'));
    if (!same) throw new UsageError(`--init ${modelJson}: its weights do not have this recipe's shapes.`);
    model.setWeights(src);
  } finally {
    from.dispose();
  }
  const weights = readFileSync(path.join(path.dirname(modelJson), 'weights.bin'));
  return { model: path.relative(process.cwd(), modelJson), weightsSha256: createHash('sha256').update(weights).digest('hex') };
}

function recipeFor(id: string) {
  try {
    return findRecipe(id);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function main(args: Values<typeof TRAIN_OPTIONS>): Promise<void> {
  const recipe = recipeFor(required(args, 'model'));
  const outDir = path.resolve(args.out ?? MODELS_DIR);
  const steps = integerOption(args, 'steps', 1);
  // Checkpoints: a long run killed part-way continues with --resume (weights, optimizer state, RNG, position).
  const checkpointDir = path.resolve(args['checkpoint-dir'] ?? path.join('.cache', 'train', recipe.id));
  const checkpointEvery = integerOption(args, 'checkpoint-every', 1, 200);
  if (args.resume && !checkpointExists(checkpointDir)) throw new UsageError(`--resume: no checkpoint in ${checkpointDir} (state.json and tensors.bin).`);
  const resume = args.resume ? readCheckpoint(checkpointDir) : undefined;
  if (resume) console.error(`resuming ${recipe.id} at step ${resume.step}/${resume.totalSteps} from ${checkpointDir}`);
  const backend = await initNodeBackend('wasm');
  console.error(`training ${recipe.id} on ${backend.backend} (tfjs ${tf.version.tfjs})`);

  const data = recipeData(recipe);
  const model = buildModel(recipe.architecture, recipe.seed);
  // A warm start (e.g. continuing adversarial training from shipped weights): the recipe's net, other weights. The
  // weights file's hash goes into training.json so the starting point can be found again in the history.
  if (recipe.init && !args.init) {
    throw new UsageError(`${recipe.id} continues training from earlier weights (${recipe.init.from}; SHA-256 ${recipe.init.weightsSha256}): pass them with --init <model.json>.`);
  }
  const init = args.init ? await warmStart(model, path.resolve(args.init)) : undefined;
  if (init && recipe.init && init.weightsSha256 !== recipe.init.weightsSha256) {
    throw new UsageError(`--init ${args.init}: its weights' SHA-256 is ${init.weightsSha256}, the recipe continues from ${recipe.init.weightsSha256} (${recipe.init.from}).`);
  }
  const dir = path.join(outDir, recipe.id);
  const started = Date.now();
  const v = recipe.validation;
  let bestSoFar = resume?.best?.value ?? -Infinity;
  const checks: { step: number; value: number }[] = resume ? resume.validations.slice() : [];
  const validation = v
    ? {
        every: v.every,
        evaluate: async (m: tf.LayersModel, step: number) => {
          const r = await robustAccuracy(layersModelAsAttackModel(m, data.bounds), data.heldOut, getAttack('pgd'), {
            epsilons: [v.epsilon],
            steps: v.steps,
            stepSize: v.stepSize,
            randomStart: true,
            restarts: 1,
            n: Math.min(v.n, data.heldOut.count),
            seed: recipe.seed,
          });
          const value = r.points[0].robust_accuracy;
          checks.push({ step, value });
          if (value > bestSoFar) {
            // A checkpoint of the best held-out weights so far, so that an interrupted run still leaves a model.
            bestSoFar = value;
            const weightBytes = await saveModelToDir(m, dir);
            writeRecord(dir, { id: recipe.id, recipe, partial: true, checkpoint: true, weightBytes, parameters: countParameters(m),
              seconds: Math.round((Date.now() - started) / 1000), bestValidation: value, validations: checks });
          }
          return value;
        },
      }
    : undefined;
  const t = recipe.training;
  const teacher = recipe.teacher ? await loadModelFromFile(path.join(MODELS_DIR, recipe.teacher, 'model.json')) : null;
  const result = await trainModel(model, data.train, {
    ...t,
    steps,
    bounds: data.bounds,
    teacher: teacher ? layersModelAsAttackModel(teacher, data.bounds) : undefined,
    seed: recipe.seed,
    validation,
    resume,
    checkpoint: { every: checkpointEvery, save: async (state) => writeCheckpoint(checkpointDir, state) },
    onProgress: (p) =>
      progressBar(
        p.step,
        p.totalSteps,
        p.elapsedSeconds,
        `loss ${p.smoothedLoss.toFixed(4)} lr ${p.learningRate.toExponential(2)}` +
          (t.epsilon === undefined ? '' : ` ε ${p.epsilon.toFixed(3)}`) +
          ` ${p.examplesPerSecond.toFixed(0)} ex/s` +
          (p.validation !== undefined ? ` held-out ${(100 * p.validation).toFixed(1)}%` : ''),
      ),
  });
  const weightBytes = await saveModelToDir(model, dir);
  const record = {
    id: recipe.id,
    recipe,
    init,
    partial: steps !== undefined,
    parameters: countParameters(model),
    weightBytes,
    tfjs: tf.version.tfjs,
    backend: backend.backend,
    steps: result.steps,
    totalSteps: result.totalSteps,
    seconds: Math.round(result.seconds),
    finalLoss: result.losses.length ? result.losses[result.losses.length - 1] : null,
    meanLossLast100: result.losses.slice(-100).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(100, result.losses.length)),
    bestStep: result.bestStep,
    bestValidation: result.bestValidation,
    stoppedEarly: result.stoppedEarly,
    validations: result.validations,
  };
  writeRecord(dir, record);
  console.error(`wrote ${dir} (${weightBytes} weight bytes, ${result.steps} steps in ${record.seconds} s)`);
  model.dispose();
  teacher?.dispose();
}

if (isMainModule(import.meta.url)) runCommand(TRAIN_COMMAND, main);
