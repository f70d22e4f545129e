/**
 * One Node benchmark process: `tsx scripts/bench/node-runner.ts --backend wasm|cpu --model <dir>`. Each backend
 * runs in a process of its own so that one backend's memory and caches never colour another's figures. Prints
 * one JSON line {backend, adapter, rows} on stdout; progress goes to stderr.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, writeFileSync } from 'node:fs';
import { startPeerServer, type PeerServer } from './peer';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeBackend } from '../../src/lib/backend/node';
import { elementWisePasses } from '../../src/lib/backend/heap-kernels';
import { BENCH_TASKS, planFor, runBenchTasks, type BenchTask } from '../../src/lib/bench/tasks';
import { imageExamples } from '../../src/lib/data/examples';
import { loadSubsetFile } from '../../src/lib/data/node-sources';
import { loadModelFromFile } from '../../src/lib/models/node';
import { seededToyModel, TOY_BENCH_BOUNDS } from '../../src/lib/bench/toy-model';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string' },
    tasks: { type: 'string' },
    allowance: { type: 'string' },
    /**
     * The PyTorch peer's folder: the first 256 test images, labels and the project's logits for them are written
     * there (unless already there), then the peer runs interleaved with this runner's calls (A/B/A/B).
     */
    'peer-dir': { type: 'string' },
  },
});
const backend = values.backend;
if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got ${backend}`);
if (!values.model) throw new Error('--model <dir> is required');

const info = await initNodeBackend(backend);
const model = await loadModelFromFile(path.join(values.model, 'model.json'));
const images = imageExamples(loadSubsetFile(path.resolve('public/data/mnist-test.bin')));
const toyModel = seededToyModel();
const PEER_IMAGES = 256;
let peer: PeerServer | null = null;
if (values['peer-dir'] && !existsSync(path.join(values['peer-dir'], 'logits.f32'))) {
  const dir = values['peer-dir'];
  const { x, y } = images.batch(Int32Array.from({ length: PEER_IMAGES }, (_, i) => i));
  const z = model.predict(x) as tf.Tensor;
  writeFileSync(path.join(dir, 'inputs.f32'), new Uint8Array(((await x.data()) as Float32Array).buffer));
  writeFileSync(path.join(dir, 'labels.i32'), new Uint8Array(((await y.data()) as Int32Array).buffer));
  writeFileSync(path.join(dir, 'logits.f32'), new Uint8Array(((await z.data()) as Float32Array).buffer));
  tf.dispose([x, y, z]);
}
if (values['peer-dir']) {
  peer = await startPeerServer(values.model, values['peer-dir'], (line) => process.stderr.write(`${line}\n`));
  process.stderr.write(peer.meta.available ? `peer: torch ${peer.meta.torch}, logits max |Δ| ${peer.meta.logits_max_abs_diff}\n` : `peer not available: ${peer.meta.reason}\n`);
}
const plan = planFor(info.backend, false);
if (values.tasks) {
  const picked = values.tasks.split(',') as BenchTask[];
  for (const t of picked) if (!BENCH_TASKS.includes(t)) throw new Error(`--tasks: unknown task ${t}`);
  plan.tasks = picked;
}
const rows = await runBenchTasks({
  where: 'node',
  backend: info.backend,
  model,
  images,
  toyModel,
  toyBounds: TOY_BENCH_BOUNDS,
  plan,
  allowanceMs: values.allowance ? Number(values.allowance) : undefined,
  log: (line) => process.stderr.write(`${line}\n`),
  cpuClock: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
  peer: peer?.meta.available && peer.meta.logits_match ? (task, batch) => peer!.run(task, batch) : undefined,
});
peer?.close();
model.dispose();
toyModel.dispose();
process.stdout.write(`${JSON.stringify({ backend: info.backend, adapter: `${info.adapter}; ${elementWisePasses()}`, rows, peer: peer?.meta ?? null })}\n`);
