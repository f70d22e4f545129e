/**
 * `npm run train -- --model <id> [--steps N] [--out DIR] [--resume] [--checkpoint-dir DIR] [--checkpoint-every N]`:
 * trains one zoo model from its recipe (src/lib/models/zoo.ts), reproducibly from its seed, on tfjs wasm in Node;
 * writes <out>/<id>/model.json, weights.bin and training.json (the recipe, the result, the held-out checks). The card
 * is then written by `npm run cards`.
 * --steps cuts training short (smoke runs); such a run is marked as partial in training.json.
 * Every --checkpoint-every steps (default 200) the whole loop state goes to --checkpoint-dir (default
 * .cache/train/<id>); --resume continues a killed run from there (same recipe, same --steps).
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../src/lib/backend/node';
import { buildModel, countParameters } from '../src/lib/models/architectures';
import { MODELS_DIR, saveModelToDir } from '../src/lib/models/node';
import { findRecipe } from '../src/lib/models/zoo';
import { trainModel } from '../src/lib/train/train';
import { layersModelAsAttackModel } from '../src/lib/attacks/model-adapter';
import { getAttack } from '../src/lib/attacks/registry';
import { robustAccuracy } from '../src/lib/eval/robust-accuracy';
import { recipeData } from './recipe-data';
import { checkpointExists, readCheckpoint, writeCheckpoint } from './train-checkpoint';
import { numberArg, parseArgs, progressBar, stringArg } from './cli';

function writeRecord(dir: string, record: object): void {
  writeFileSync(path.join(dir, 'training.json'), `${JSON.stringify(record, null, 2)}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const recipe = findRecipe(stringArg(args, 'model'));
  const outDir = path.resolve(stringArg(args, 'out', MODELS_DIR));
  const steps = args.steps === undefined ? undefined : numberArg(args, 'steps');
  // Checkpoint options (kept together for the CLI-parsing refactor).
  const checkpointDir = path.resolve(stringArg(args, 'checkpoint-dir', path.join('.cache', 'train', recipe.id)));
  const checkpointEvery = numberArg(args, 'checkpoint-every', 200);
  const resumeRun = args.resume === true;
  if (!(Number.isInteger(checkpointEvery) && checkpointEvery >= 1)) throw new Error(`--checkpoint-every must be a positive integer, got ${checkpointEvery}`);
  if (resumeRun && !checkpointExists(checkpointDir)) throw new Error(`--resume: no checkpoint in ${checkpointDir} (state.json and tensors.bin)`);
  const resume = resumeRun ? readCheckpoint(checkpointDir) : undefined;
  if (resume) console.error(`resuming ${recipe.id} at step ${resume.step}/${resume.totalSteps} from ${checkpointDir}`);
  const backend = await initNodeBackend('wasm');
  console.error(`training ${recipe.id} on ${backend.backend} (tfjs ${tf.version.tfjs})`);

  const data = recipeData(recipe);
  const model = buildModel(recipe.architecture, recipe.seed);
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
  const result = await trainModel(model, data.train, {
    ...t,
    steps,
    bounds: data.bounds,
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
          (t.method === 'standard' ? '' : ` ε ${p.epsilon.toFixed(3)}`) +
          ` ${p.examplesPerSecond.toFixed(0)} ex/s` +
          (p.validation !== undefined ? ` held-out ${(100 * p.validation).toFixed(1)}%` : ''),
      ),
  });
  const weightBytes = await saveModelToDir(model, dir);
  const record = {
    id: recipe.id,
    recipe,
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
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
