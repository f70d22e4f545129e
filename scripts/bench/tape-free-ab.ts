/**
 * A/B of the tape-free forward-backward (src/lib/models/input-gradient-forward.ts compileInputGradientPass) against
 * autodiff through the gradient tape, on mnist-cnn in Node wasm: the same attack on the same model and inputs, the
 * two paths alternated call by call in one process, CPU time per call (process.cpuUsage: steadier than wall time on a
 * shared machine). The tape path is the same model behind a wrapper that replaces `logits`, which never inherits the
 * written-out pass (model-adapter.ts).
 *
 *   npx tsx scripts/bench/tape-free-ab.ts --attack pgd --batch 1 --steps 40 --runs 7
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { initNodeBackend } from '../../src/lib/backend/node';
import { loadModelFromFile } from '../../src/lib/models/node';
import { inputGradientPassOf, layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { fgsm } from '../../src/lib/attacks/fgsm';
import { pgd } from '../../src/lib/attacks/pgd';
import type { AttackModel } from '../../src/lib/attacks/types';
import { summarise } from '../../src/lib/bench/stats';
import { integerOption, isMainModule, runCommand, UsageError, type Command, type OptionTable, type Values } from '../cli';

export const TAPE_FREE_AB_OPTIONS = {
  attack: { type: 'string', value: 'fgsm|pgd', help: 'the attack timed', default: 'pgd' },
  batch: { type: 'string', value: 'N', help: 'images per call', default: '1' },
  steps: { type: 'string', value: 'N', help: 'PGD steps (tiny ε: every step runs)', default: '40' },
  runs: { type: 'string', value: 'N', help: 'timed calls per path', default: '7' },
} as const satisfies OptionTable;

export const TAPE_FREE_AB_COMMAND: Command<typeof TAPE_FREE_AB_OPTIONS> = {
  name: 'npx tsx scripts/bench/tape-free-ab.ts',
  summary: 'CPU ms per attack call on mnist-cnn (Node wasm): the tape-free input gradient against autodiff, interleaved.',
  options: TAPE_FREE_AB_OPTIONS,
};


async function main(args: Values<typeof TAPE_FREE_AB_OPTIONS>): Promise<void> {
  const attack = args.attack ?? 'pgd';
  if (attack !== 'fgsm' && attack !== 'pgd') throw new UsageError(`--attack must be fgsm or pgd; got "${attack}".`);
  const batch = integerOption(args, 'batch', 1, 1);
  const steps = integerOption(args, 'steps', 1, 40);
  const runs = integerOption(args, 'runs', 1, 7);
  await initNodeBackend('wasm');
  const fast = layersModelAsAttackModel(await loadModelFromFile(path.resolve('models/mnist-cnn/model.json')));
  if (!inputGradientPassOf(fast)) throw new Error('mnist-cnn has no tape-free pass: nothing to compare');
  const taped: AttackModel = { ...fast, logits: (x) => fast.logits(x) };
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 3);
  const labels = tf.tidy(() => fast.logits(x).argMax(1));
  const label = Int32Array.from(await labels.data());
  labels.dispose();
  const call = async (model: AttackModel) => {
    const r =
      attack === 'pgd'
        ? await pgd.run(model, x, label, { epsilons: [0.001], steps, randomStart: true, onStep: () => {} })
        : await fgsm.run(model, x, label, { epsilons: [0.1], onStep: () => {} });
    r.results.forEach((e) => e.adversarial.dispose());
  };
  const paths = { 'tape-free': fast, tape: taped } as const;
  for (const m of Object.values(paths)) await call(m); // warm-up
  const before = tf.memory().numTensors;
  const cpu: Record<keyof typeof paths, number[]> = { 'tape-free': [], tape: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, m] of Object.entries(paths) as [keyof typeof paths, AttackModel][]) {
      const c0 = process.cpuUsage();
      await call(m);
      const c = process.cpuUsage(c0);
      cpu[name].push((c.user + c.system) / 1000);
    }
  }
  const leaked = tf.memory().numTensors - before;
  x.dispose();
  const what = attack === 'pgd' ? `PGD-${steps}` : 'FGSM';
  const [a, b] = [summarise(cpu['tape-free']).median, summarise(cpu.tape).median];
  process.stdout.write(
    `${what} batch ${batch}, ${runs} interleaved calls per path, CPU ms per call (median): tape-free ${a.toFixed(1)}, tape ${b.toFixed(1)} (${(b / a).toFixed(2)}×); leaked tensors ${leaked}\n`,
  );
}

if (isMainModule(import.meta.url)) runCommand(TAPE_FREE_AB_COMMAND, main);
