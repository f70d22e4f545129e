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
import { integerOption, isMainModule, required, runCommand, type Command, type OptionTable, type Values } from '../cli';

const DUMP_OPTIONS = {
  model: { type: 'string', value: 'id', help: 'zoo model whose test split is dumped' },
  n: { type: 'string', value: 'N', help: 'number of test examples (the first N)' },
  out: { type: 'string', value: 'dir', help: 'folder for inputs.f32 and labels.i32' },
} as const satisfies OptionTable;

const DUMP_COMMAND: Command<typeof DUMP_OPTIONS> = {
  name: 'npx tsx scripts/bench/dump-test-images.ts',
  summary: 'Writes the first N test examples of a zoo model as raw little-endian files for the PyTorch check.',
  options: DUMP_OPTIONS,
};
import { recipeData } from '../recipe-data';

async function main(args: Values<typeof DUMP_OPTIONS>): Promise<void> {
  const recipe = findRecipe(required(args, 'model'));
  const out = path.resolve(required(args, 'out'));
  await initNodeBackend('wasm');
  const test = recipeData(recipe).test;
  const n = integerOption(args, 'n', 1, 100);
  if (!(Number.isInteger(n) && n >= 1 && n <= test.count)) throw new Error(`--n must be an integer in 1–${test.count}, got ${n}`);
  const { x, y } = test.batch(Int32Array.from({ length: n }, (_, i) => i));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'inputs.f32'), new Uint8Array((await x.data()).buffer));
  writeFileSync(path.join(out, 'labels.i32'), new Uint8Array(Int32Array.from(await y.data()).buffer));
  tf.dispose([x, y]);
  console.error(`wrote ${n} test examples of ${recipe.id} to ${out}`);
}

if (isMainModule(import.meta.url)) runCommand(DUMP_COMMAND, main);
