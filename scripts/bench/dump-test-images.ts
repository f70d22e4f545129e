/**
 * Writes the first n test examples of a zoo model's recipe as raw little-endian files for the PyTorch check
 * (scripts/bench/torch_pgd_check.py): <out>/inputs.f32 (NHWC float32 in [0, 1]) and <out>/labels.i32.
 * `npx tsx scripts/bench/dump-test-images.ts --model <id> --n N --out DIR`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { findRecipe } from '../../src/lib/models/zoo';
import { numberArg, parseArgs, stringArg } from '../cli';
import { recipeData } from '../recipe-data';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const recipe = findRecipe(stringArg(args, 'model'));
  const out = path.resolve(stringArg(args, 'out'));
  await initNodeBackend('wasm');
  const test = recipeData(recipe).test;
  const n = numberArg(args, 'n');
  if (!(Number.isInteger(n) && n >= 1 && n <= test.count)) throw new Error(`--n must be an integer in 1–${test.count}, got ${n}`);
  const { x, y } = test.batch(Int32Array.from({ length: n }, (_, i) => i));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'inputs.f32'), new Uint8Array((await x.data()).buffer));
  writeFileSync(path.join(out, 'labels.i32'), new Uint8Array(Int32Array.from(await y.data()).buffer));
  tf.dispose([x, y]);
  console.error(`wrote ${n} test examples of ${recipe.id} to ${out}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
