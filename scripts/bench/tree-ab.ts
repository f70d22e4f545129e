/**
 * A/B of the attack code of two commits on mnist-cnn in Node wasm: the same attack call timed with the library
 * (src/) of an earlier commit and with the working tree's, in separate processes that alternate round by round
 * (so that both see the same load), CPU time per call (process.cpuUsage: steadier than wall time on a shared
 * machine). The earlier commit's src/ is extracted with `git archive` into .cache/tree-ab/<commit>/ (inside the
 * project, so that it resolves the same node_modules). Both runs also check that the calls leak no tensor.
 *
 *   npx tsx scripts/bench/tree-ab.ts --base e352dca --attack pgd --batch 1 --steps 40 --runs 9 --rounds 3
 *   npx tsx scripts/bench/tree-ab.ts --base e352dca --attack train-pgd7 --runs 5   # a training call (the bench's)
 *   npx tsx scripts/bench/tree-ab.ts --base e352dca --same     # the same adversarials on both sides?
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarise } from '../../src/lib/bench/stats';
// The call's settings come from this tree, so that an older --base tree runs exactly the same training call.
import { benchTrainingOptions } from '../../src/lib/bench/tasks';
import { integerOption, isMainModule, runCommand, UsageError, type Command, type OptionTable, type Values } from '../cli';

export const TREE_AB_OPTIONS = {
  base: { type: 'string', value: 'commit', help: 'the earlier commit whose src/ is compared with the working tree', default: 'e352dca' },
  attack: {
    type: 'string',
    value: 'fgsm|pgd|train-fgsm-rs|train-pgd7',
    help: 'the call timed (FGSM ε = 0.02; PGD with a tiny ε, so that every step runs; or the bench\'s training call: two adversarial training steps of mnist-cnn on test images, --batch defaulting to its 128)',
    default: 'pgd',
  },
  batch: { type: 'string', value: 'N', help: 'images per call (random inputs, labelled by the model; test images for training); default 1, 128 for training' },
  steps: { type: 'string', value: 'N', help: 'PGD steps', default: '40' },
  runs: { type: 'string', value: 'N', help: 'timed calls per process', default: '9' },
  rounds: { type: 'string', value: 'N', help: 'processes per side, alternated', default: '3' },
  same: { type: 'boolean', help: 'instead of timing: check that both sides give the same adversarials, bit for bit (FGSM, PGD-20 and FGSM-RS on the first 256 test images; PGD-20 and FGSM on 12 single images)' },
  child: { type: 'string', value: 'dir', help: '(internal) time the library in this src/ directory and print one JSON line' },
} as const satisfies OptionTable;

export const TREE_AB_COMMAND: Command<typeof TREE_AB_OPTIONS> = {
  name: 'npx tsx scripts/bench/tree-ab.ts',
  summary: 'CPU ms per attack call on mnist-cnn (Node wasm): an earlier commit\'s src/ against the working tree\'s, alternated process by process.',
  options: TREE_AB_OPTIONS,
};

const ROOT = path.resolve(import.meta.dirname, '../..');

type Adversarials = (x: tf.Tensor, labels: Int32Array) => Promise<{ results: { adversarial: tf.Tensor }[] }>;

/** SHA-1 of every adversarial's bytes over a fixed set of attacks on test images (the `--same` check). */
async function hashAdversarials(src: string, attacks: Record<string, { run: (m: unknown, x: tf.Tensor, l: Int32Array, o: object) => ReturnType<Adversarials> }>, model: unknown): Promise<string> {
  const lib = (p: string) => import(pathToFileURL(path.join(src, p)).href);
  const { imageExamples } = await lib('lib/data/examples.ts');
  const { loadSubsetFile } = await lib('lib/data/node-sources.ts');
  const images = imageExamples(loadSubsetFile(path.join(ROOT, 'public/data/mnist-test.bin')));
  const hash = createHash('sha1');
  const take = async (rows: number[], calls: [string, object][]) => {
    const { x, y } = images.batch(Int32Array.from(rows));
    const labels = Int32Array.from(await y.data());
    for (const [id, opts] of calls) {
      const r = await attacks[id].run(model, x, labels, opts);
      for (const e of r.results) {
        hash.update(new Uint8Array(((await e.adversarial.data()) as Float32Array).buffer));
        e.adversarial.dispose();
      }
    }
    tf.dispose([x, y]);
  };
  await take(Array.from({ length: 256 }, (_, i) => i), [
    ['fgsm', { epsilons: [0.1] }],
    ['pgd', { epsilons: [0.1], steps: 20, seed: 0 }],
    ['pgd', { epsilons: [0.1], steps: 1, stepSize: 0.125, maximizeLoss: true, seed: 3 }],
  ]);
  for (let i = 0; i < 12; i++) await take([i], [['pgd', { epsilons: [0.1], steps: 20, seed: i }], ['fgsm', { epsilons: [0.05] }]]);
  return hash.digest('hex');
}

/** One side: load the library from `src`, time `runs` calls after two warm-ups (or hash its adversarials). */
async function child(src: string, attack: string, batch: number, steps: number, runs: number, same: boolean): Promise<void> {
  const lib = (p: string) => import(pathToFileURL(path.join(src, p)).href);
  const { initNodeBackend } = await lib('lib/backend/node.ts');
  const { loadModelFromFile } = await lib('lib/models/node.ts');
  const { layersModelAsAttackModel } = await lib('lib/attacks/model-adapter.ts');
  const { pgd } = await lib('lib/attacks/pgd.ts');
  const { fgsm } = await lib('lib/attacks/fgsm.ts');
  await initNodeBackend('wasm');
  if (attack.startsWith('train-')) return timeCalls(await trainingCall(lib, attack, batch), runs);
  const model = layersModelAsAttackModel(await loadModelFromFile(path.join(ROOT, 'models/mnist-cnn/model.json')));
  if (same) {
    process.stdout.write(`${JSON.stringify({ sha1: await hashAdversarials(src, { pgd, fgsm }, model) })}\n`);
    return;
  }
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 3);
  const z = tf.tidy(() => model.logits(x).argMax(1));
  const label = Int32Array.from(await z.data());
  z.dispose();
  const call = async () => {
    const r =
      attack === 'pgd'
        ? await pgd.run(model, x, label, { epsilons: [0.001], steps, randomStart: true, onStep: () => {} })
        : await fgsm.run(model, x, label, { epsilons: [0.02], onStep: () => {} });
    r.results.forEach((e: { adversarial: tf.Tensor }) => e.adversarial.dispose());
  };
  await timeCalls(call, runs);
}

/** The bench's training task (src/lib/bench/tasks.ts: its settings, Adam at 1e-4, two steps per call) with `src`'s library. */
async function trainingCall(lib: (p: string) => Promise<any>, attack: string, batch: number): Promise<() => Promise<void>> {
  const { loadModelFromFile } = await lib('lib/models/node.ts');
  const { trainModel } = await lib('lib/train/train.ts');
  const { imageExamples } = await lib('lib/data/examples.ts');
  const { loadSubsetFile } = await lib('lib/data/node-sources.ts');
  const images = imageExamples(loadSubsetFile(path.join(ROOT, 'public/data/mnist-test.bin')));
  const student = await loadModelFromFile(path.join(ROOT, 'models/mnist-cnn/model.json'));
  const method: 'pgd' | 'fgsm-rs' = attack === 'train-pgd7' ? 'pgd' : 'fgsm-rs';
  return async () => {
    await trainModel(student, images, benchTrainingOptions(method, batch));
  };
}

/** Two warm-up calls, then `runs` timed ones: one JSON line of CPU ms (median, min) and tensors left behind. */
async function timeCalls(call: () => Promise<void>, runs: number): Promise<void> {
  await call();
  await call();
  const before = tf.memory().numTensors;
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    await call();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  process.stdout.write(`${JSON.stringify({ cpuMs: summarise(cpu).median, minMs: Math.min(...cpu), leaked: tf.memory().numTensors - before })}\n`);
}

async function main(args: Values<typeof TREE_AB_OPTIONS>): Promise<void> {
  const attack = args.attack ?? 'pgd';
  if (!['fgsm', 'pgd', 'train-fgsm-rs', 'train-pgd7'].includes(attack)) throw new UsageError(`--attack must be fgsm, pgd, train-fgsm-rs or train-pgd7; got "${attack}".`);
  const batch = integerOption(args, 'batch', 1, attack.startsWith('train-') ? 128 : 1);
  const steps = integerOption(args, 'steps', 1, 40);
  const runs = integerOption(args, 'runs', 1, 9);
  const rounds = integerOption(args, 'rounds', 1, 3);
  if (args.child) return child(args.child, attack, batch, steps, runs, args.same === true);
  const base = args.base ?? 'e352dca';
  const commit = execFileSync('git', ['rev-parse', '--short', base], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = path.join(ROOT, '.cache/tree-ab', commit);
  if (!existsSync(path.join(dir, 'src'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} src | tar -x -C "${dir}"`], { cwd: ROOT });
  }
  const sides = { [commit]: path.join(dir, 'src'), 'working tree': path.join(ROOT, 'src') };
  const side = (name: string, src: string, extra: string[]) => {
    const argv = [path.join(ROOT, 'scripts/bench/tree-ab.ts'), '--child', src, '--attack', attack, '--batch', String(batch), '--steps', String(steps), '--runs', String(runs), ...extra];
    const out = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), argv, { cwd: ROOT, encoding: 'utf8' });
    const line = out.stdout.trim().split('\n').pop() ?? '';
    if (out.status !== 0 || !line.startsWith('{')) throw new Error(`${name} failed: ${out.stderr.slice(-500)}`);
    return JSON.parse(line);
  };
  if (args.same) {
    const hashes = Object.entries(sides).map(([name, src]) => [name, (side(name, src, ['--same']) as { sha1: string }).sha1]);
    for (const [name, h] of hashes) process.stdout.write(`  ${name}: adversarials SHA-1 ${h}\n`);
    const same = hashes[0][1] === hashes[1][1];
    process.stdout.write(same ? 'the same adversarials, bit for bit\n' : 'the adversarials differ\n');
    if (!same) process.exitCode = 1;
    return;
  }
  const got: Record<string, { cpuMs: number; minMs: number; leaked: number }[]> = {};
  for (let r = 0; r < rounds; r++) for (const [name, src] of Object.entries(sides)) (got[name] ??= []).push(side(name, src, []));
  const what = attack === 'pgd' ? `PGD-${steps}` : attack === 'fgsm' ? 'FGSM' : `${attack} (2 training steps)`;
  const fmt = (name: string) => {
    const rs = got[name];
    return `${summarise(rs.map((x) => x.cpuMs)).median.toFixed(1)} ms (rounds ${rs.map((x) => x.cpuMs.toFixed(1)).join(', ')}; min ${Math.min(...rs.map((x) => x.minMs)).toFixed(1)}; leaked ${Math.max(...rs.map((x) => x.leaked))})`;
  };
  const [a, b] = [summarise(got[commit].map((x) => x.cpuMs)).median, summarise(got['working tree'].map((x) => x.cpuMs)).median];
  process.stdout.write(`${what} batch ${batch}, CPU per call, median of ${runs} calls per process, ${rounds} alternated processes per side:\n`);
  process.stdout.write(`  ${commit}: ${fmt(commit)}\n  working tree: ${fmt('working tree')}\n  speed-up ${(a / b).toFixed(2)}×\n`);
}

if (isMainModule(import.meta.url)) runCommand(TREE_AB_COMMAND, main);
