/// <reference lib="webworker" />
/**
 * The browser benchmark: the same src/lib code and tasks as the Node runner, on one backend per page load, inside
 * a dedicated worker as the app runs them.
 */
import * as tf from '@tensorflow/tfjs';
import { elementWisePasses } from '../lib/backend/heap-kernels';
import { BACKENDS, isSoftwareAdapter, selectBackend, tfjsEnvironment, type BackendName } from '../lib/backend/select';
import { BENCH_TASKS, planFor, runBenchTasks, type BenchTask } from '../lib/bench/tasks';
import { seededToyModel, TOY_BENCH_BOUNDS } from '../lib/bench/toy-model';
import { imageExamples } from '../lib/data/examples';
import { decodeSubset } from '../lib/data/subset';
import { loadModelFromUrl } from '../lib/models/load';
import type { BenchMessage, BenchRequest, PeerReply, PeerRequest } from './protocol';
import { prepareWasm } from '../worker/wasm-setup';

const post = (m: BenchMessage | PeerRequest) => (self as unknown as Worker).postMessage(m);

/** Peer calls in flight, answered by the page (PeerReply). */
const pending = new Map<number, (ms: number | null) => void>();
let nextId = 0;
function askPeer(task: string, batch: number): Promise<number | null> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    post({ kind: 'peer', id, task, batch });
  });
}

/** WebGL's renderer string (e.g. "… SwiftShader …"), read from a context of our own. */
function webglRenderer(): string {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return '';
  }
}

async function run(req: BenchRequest): Promise<void> {
  if (!(BACKENDS as readonly string[]).includes(req.backend)) throw new Error(`backend must be one of ${BACKENDS.join(', ')}, got ${req.backend}`);
  const backend = req.backend as BackendName;
  // Without ?threads= the batch lane's count (one per core), never a remembered measurement: rows stay comparable.
  const wasmThreads = await prepareWasm(req.threads ? `?threads=${encodeURIComponent(req.threads)}` : '', { role: 'batch', measure: false });
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  const env = tfjsEnvironment();
  const info = await selectBackend(backend, env);
  if (info.backend !== backend) throw new Error(`${backend} could not be initialised (got ${info.backend}: ${info.reason})`);
  let adapter = info.adapter;
  let software = false;
  if (backend === 'webgpu') {
    const a = await env.webgpuAdapter();
    software = a?.software ?? false;
  } else if (backend === 'webgl') {
    const renderer = webglRenderer();
    adapter = `WebGL (${renderer || 'renderer unknown'})`;
    software = isSoftwareAdapter({ description: renderer });
  }
  adapter = `${adapter}; ${elementWisePasses()}`;
  const readThreads = await wasmThreads(backend); // always read: it also restores the worker's navigator
  const threads = backend === 'wasm' ? readThreads : null;
  if (threads?.warning) throw new Error(threads.warning);
  post({ kind: 'log', line: `backend ${backend}: ${adapter}${threads ? `; ${threads.note}` : ''}` });

  const model = await loadModelFromUrl(new URL('models/mnist-cnn/model.json', req.baseUrl).href);
  const response = await fetch(new URL('data/mnist-test.bin', req.baseUrl).href);
  if (!response.ok) throw new Error(`data/mnist-test.bin: HTTP ${response.status}`);
  const images = imageExamples(decodeSubset(await response.arrayBuffer(), 'mnist-test.bin'));
  const toyModel = seededToyModel();
  const plan = planFor(backend, software);
  if (req.tasks) {
    const picked = req.tasks.split(',') as BenchTask[];
    for (const t of picked) if (!BENCH_TASKS.includes(t)) throw new Error(`tasks: unknown task ${t}`);
    plan.tasks = picked;
  }
  const rows = await runBenchTasks({
    where: 'browser',
    backend,
    model,
    images,
    toyModel,
    toyBounds: TOY_BENCH_BOUNDS,
    plan,
    allowanceMs: req.allowanceMs,
    log: (line) => post({ kind: 'log', line }),
    peer: req.peer ? askPeer : undefined,
  });
  model.dispose();
  toyModel.dispose();
  // Threaded wasm rows say their thread count in the backend column (runs at 1, 2 and all threads sit side by side).
  const label = threads ? `wasm ${threads.count}t` : backend;
  for (const r of rows) r.backend = label;
  post({ kind: 'done', backend, adapter, software, rows, threads: threads?.count ?? null, threadNote: threads?.note ?? null });
  void tf;
}

self.onmessage = (e: MessageEvent<BenchRequest | PeerReply>) => {
  const m = e.data;
  if ('kind' in m && m.kind === 'peer-result') {
    pending.get(m.id)?.(m.ms);
    pending.delete(m.id);
    return;
  }
  run(m as BenchRequest).catch((err: unknown) => post({ kind: 'error', error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) }));
};
