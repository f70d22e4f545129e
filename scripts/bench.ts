/**
 * `npm run bench` — throughput and latency of the attacks, grids and training steps, in Node (wasm, cpu) and in
 * headless Chromium (webgpu, webgl, wasm, cpu), side by side with a PyTorch peer on the same weights, plus the
 * built app's first load. Prints a Markdown table, or with --json one object {machine, rows, …}.
 *
 *   npm run bench                 everything (≈ 8–9 minutes on 2 cores)
 *   npm run bench -- --json       the same, as JSON on stdout (progress on stderr)
 *   npm run bench -- --node-only  skip the browser runs and the first-load measurement
 *   npm run bench -- --out f.json also write the JSON object to a file (npm prints its own header on stdout;
 *                                 `npm run -s bench -- --json` keeps stdout pure JSON)
 *   BENCH_PORT=4178               port of the static server for the browser runs
 *
 * Method: see src/lib/bench/tasks.ts and docs/PERFORMANCE.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { startPeerServer, type PeerMeta } from './bench/peer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatNumber, skippedRow, type BenchRow } from '../src/lib/bench/stats';
import { BENCH_SETTINGS } from '../src/lib/bench/tasks';
import { renderReport, type BenchResult } from './bench/report';
import { readFileSync } from 'node:fs';
import { launchChromium, measureFirstLoad, runBrowserBackend, type FirstLoad } from './bench/browser';
import { benchModelSource } from './bench/model-source';
import { startStaticServer } from './bench/static-server';
import { isMainModule, runCommand, type Command, type OptionTable, type Values } from './cli';

/** Every option of `npm run bench`, in one place. */
export const BENCH_OPTIONS = {
  json: { type: 'boolean', help: 'print the result as one JSON object on stdout (progress stays on stderr)' },
  'node-only': { type: 'boolean', help: 'skip the browser runs and the first-load measurement' },
  out: { type: 'string', value: 'file', help: 'also write the JSON object to this file' },
  from: { type: 'string', value: 'file', help: 'print the Markdown report of a saved --json run; runs nothing' },
} as const satisfies OptionTable;

export const BENCH_COMMAND: Command<typeof BENCH_OPTIONS> = {
  name: 'npm run bench --',
  summary:
    'Throughput and latency of the attacks, grids and training steps in Node (wasm, cpu) and headless Chromium ' +
    '(webgpu, webgl, wasm, cpu), beside a PyTorch peer, plus the built app\'s first load; about 9 minutes. ' +
    'BENCH_PORT sets the static server\'s port. Method: docs/PERFORMANCE.md.',
  options: BENCH_OPTIONS,
};

/** The parsed command line (set once by main; the stage budgets read --node-only). */
let values: Values<typeof BENCH_OPTIONS> = {} as Values<typeof BENCH_OPTIONS>;
const ROOT = path.resolve(import.meta.dirname, '..');
const started = Date.now();
const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

/**
 * Seconds each runner may start new tasks for (nominal), and the whole bench's target. A runner that starts late
 * (a loaded machine, a slow peer) gets less, keeping what the stages after it need, so the total stays < 10 min.
 */
const ALLOWANCE_S = { nodeWasm: 90, nodeCpu: 20, browserWasm: 90, browserWasmThreads: 45, browserCpu: 20, webgl: 25, webgpu: 25 };
const TOTAL_TARGET_S = 560;
/** Builds, browser start-up and the first-load measurement. */
const FIXED_COSTS_S = 60;

function allowanceFor(stage: keyof typeof ALLOWANCE_S): number {
  const order = Object.keys(ALLOWANCE_S) as (keyof typeof ALLOWANCE_S)[];
  const later = order.slice(order.indexOf(stage) + 1).reduce((s, k) => s + ALLOWANCE_S[k], 0);
  const fixed = stage.startsWith('node') && !values['node-only'] ? FIXED_COSTS_S : 15;
  const left = TOTAL_TARGET_S - (Date.now() - started) / 1000 - later - fixed;
  return Math.max(10, Math.min(ALLOWANCE_S[stage], left));
}
/** Lines of child output not worth repeating: npm's config warning, tfjs' "install tfjs-node" banner. */
const NOISE = /^\s*$|npm warn|^=+$|looks like you are running TensorFlow\.js in Node/;

function runNode(backend: 'wasm' | 'cpu', modelDir: string, allowanceS: number, peerDir: string | null): Promise<{ rows: BenchRow[]; adapter: string; peer: PeerMeta | null }> {
  const args = ['tsx', 'scripts/bench/node-runner.ts', '--backend', backend, '--model', modelDir, '--allowance', String(allowanceS * 1000)];
  // The runner exports the peer's inputs (first runner) and runs the peer interleaved with its own calls.
  if (peerDir) args.push('--peer-dir', peerDir);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (!NOISE.test(line)) log(`  ${line}`);
    });
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`node runner (${backend}) exited with ${code}`));
      resolve(JSON.parse(last) as { rows: BenchRow[]; adapter: string; peer: PeerMeta | null });
    });
  });
}

/** Fine-tuning (scripts/bench/finetune.ts): time for FGSM-RS from mnist-cnn to reach 80 % PGD-20 accuracy at ε = 0.1. */
function runFinetuneTimeTo80(): { reached: unknown; backend: string } | { error: string } {
  // Whatever time is left of the 10-minute target (at least 20 s): a run that cannot finish is reported as such.
  const timeout = Math.max(20_000, (TOTAL_TARGET_S + 30) * 1000 - (Date.now() - started));
  const r = spawnSync('npx', ['tsx', 'scripts/bench/finetune.ts', '--skip-throughput', '--json'], { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 16 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { error: `not finished within the bench's time limit (${Math.round(timeout / 1000)} s)` };
  for (const line of (r.stderr ?? '').split('\n')) if (line.trim() && !line.includes('npm warn')) log(`  ${line}`);
  const out = (r.stdout ?? '').trim();
  if (r.status !== 0 || !out.startsWith('{')) return { error: `exited with ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` };
  return (JSON.parse(out) as { timeTo80: { reached: unknown; backend: string } }).timeTo80;
}

function viteBuild(args: string[]): void {
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'error', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`vite build ${args.join(' ')} failed:\n${r.stderr}`);
}

function machine(chromium: string | null) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium,
    load_average_at_start: os.loadavg().map((v) => Math.round(v * 10) / 10),
  };
}

async function main(args: Values<typeof BENCH_OPTIONS>): Promise<void> {
  values = args;
  if (values.from) {
    process.stdout.write(renderReport(JSON.parse(readFileSync(values.from, 'utf8')) as BenchResult));
    return;
  }
  const source = await benchModelSource();
  log(`model: ${source.description}`);
  const peerDir = mkdtempSync(path.join(os.tmpdir(), 'adv-bench-peer-'));
  const rows: BenchRow[] = [];
  const adapters: Record<string, string> = {};
  let chromiumVersion: string | null = null;
  let firstLoad: FirstLoad | null = null;
  let peer: PeerMeta = { available: false, reason: 'not run' };
  try {
    log('node wasm …');
    const wasm = await runNode('wasm', source.dir, allowanceFor('nodeWasm'), peerDir);
    rows.push(...wasm.rows);
    adapters['node/wasm'] = wasm.adapter;
    peer = wasm.peer ?? { available: false, reason: 'the runner did not start it' };
    log(peer.available ? `peer: torch ${peer.torch}, ${peer.threads} threads, logits max |Δ| ${peer.logits_max_abs_diff}` : `peer not available: ${peer.reason}`);
    log('node cpu …');
    const cpu = await runNode('cpu', source.dir, allowanceFor('nodeCpu'), peer.available ? peerDir : null);
    rows.push(...cpu.rows);
    adapters['node/cpu'] = cpu.adapter;

    if (!values['node-only']) {
      log('building the bench page and the app …');
      viteBuild(['--config', 'scripts/bench/vite.bench.config.ts']);
      viteBuild(['--outDir', 'dist-bench-app', '--emptyOutDir']);
      const port = Number(process.env.BENCH_PORT ?? 4178);
      const server = await startStaticServer(
        [
          { prefix: '/bench/models/mnist-cnn/', dir: source.dir },
          { prefix: '/bench/data/', dir: path.join(ROOT, 'public/data') },
          { prefix: '/bench/', dir: path.join(ROOT, 'dist-bench') },
          { prefix: '/app/', dir: path.join(ROOT, 'dist-bench-app') },
        ],
        port,
      );
      const launched = await launchChromium();
      const browserPeer = peer.available && peer.logits_match ? await startPeerServer(source.dir, peerDir, log) : null;
      const peerRun = browserPeer?.meta.logits_match ? (task: string, batch: number) => browserPeer.run(task, batch) : undefined;
      try {
        if (!launched) {
          log('no Chromium found: browser rows are not run');
        } else {
          chromiumVersion = launched.version;
          // wasm at every core (the app's default), then at fewer threads for the rows the targets name.
          const cores = os.cpus().length;
          const fewer = [...new Set([1, 2].filter((t) => t < Math.min(cores, 8)))];
          const stages: { backend: string; stage: keyof typeof ALLOWANCE_S; threads?: number; tasks?: string }[] = [
            { backend: 'wasm', stage: 'browserWasm' },
            ...fewer.map((t) => ({ backend: 'wasm', stage: 'browserWasmThreads' as const, threads: t, tasks: 'fgsm,pgd20,fgsm-single,pgd40-single' })),
            { backend: 'cpu', stage: 'browserCpu' },
            { backend: 'webgl', stage: 'webgl' },
            { backend: 'webgpu', stage: 'webgpu' },
          ];
          for (const { backend, stage, threads, tasks } of stages) {
            const allowance = allowanceFor(stage) / (threads ? fewer.length : 1);
            log(`browser ${backend}${threads ? ` at ${threads} thread(s)` : ''} (${Math.round(allowance)} s) …`);
            const r = await runBrowserBackend(launched.browser, server.url, backend, allowance * 1000, log, { peer: peerRun, threads, tasks });
            if (r.error) {
              log(`browser ${backend} failed: ${r.error}`);
              rows.push(skippedRow({ task: 'fgsm', where: 'browser', backend, batch: 1 }, `backend failed: ${r.error.slice(0, 200)}`));
            } else {
              // A run at fewer threads reports only the tasks it ran.
              rows.push(...(threads ? r.rows.filter((row) => row.runs > 0 || row.task === 'peak-matmul') : r.rows));
              const key = r.threads ? `browser/wasm ${r.threads}t` : `browser/${backend}`;
              adapters[key] = r.adapter + (r.software ? ' (software)' : '') + (r.threadNote ? `, ${r.threadNote}` : '');
            }
          }
          log('first load of the built app …');
          const loads: FirstLoad[] = [];
          for (let i = 0; i < 3; i++) {
            loads.push(await measureFirstLoad(launched.browser, `${server.url}/app/`, (_url, body) => gzipSync(body).length));
          }
          loads.sort((a, b) => a.timeToInteractiveMs - b.timeToInteractiveMs);
          firstLoad = loads[1];
          const times = loads.map((l) => l.timeToInteractiveMs);
          rows.push({
            task: 'first-load',
            where: 'browser',
            backend: firstLoad.backend,
            batch: null,
            median_ms: Math.round(firstLoad.timeToInteractiveMs),
            min_ms: Math.round(Math.min(...times)),
            max_ms: Math.round(Math.max(...times)),
            images_per_s: null,
            leaked_tensors: null,
            peer_images_per_s: null,
            ratio_to_peer: null,
            runs: loads.length,
            note: `built app on localhost, empty cache, until the backend badge shows a backend; ${firstLoad.requests} requests, ${formatNumber(firstLoad.transferBytes / 1024)} KiB transferred (${formatNumber(firstLoad.gzipBytes / 1024)} KiB gzipped)`,
          });
        }
      } finally {
        browserPeer?.close();
        await launched?.browser.close();
        await server.close();
      }
    }
  } finally {
    rmSync(peerDir, { recursive: true, force: true });
  }

  log('fine-tuning: time to 80 % PGD-20 accuracy …');
  const finetune = runFinetuneTimeTo80();

  const peerUsable = peer.available && peer.logits_match === true;
  const finalRows = rows;
  const result = {
    machine: { ...machine(chromiumVersion), adapters },
    model: source.description,
    settings: BENCH_SETTINGS,
    peer: {
      available: peerUsable,
      reason: peer.reason ?? null,
      python: peer.python ?? null,
      torch: peer.torch ?? null,
      threads: peer.threads ?? null,
      logits_max_abs_diff: peer.logits_max_abs_diff ?? null,
      method: 'interleaved: after each of the project\'s timed calls of a task the peer runs one call of the same task; ratio = median of the per-pair ratios, with min–max',
    },
    first_load: firstLoad
      ? {
          transfer_bytes: firstLoad.transferBytes,
          gzip_bytes: firstLoad.gzipBytes,
          requests: firstLoad.requests,
          time_to_interactive_ms: Math.round(firstLoad.timeToInteractiveMs),
          dom_content_loaded_ms: Math.round(firstLoad.domContentLoadedMs),
          largest: firstLoad.resources.slice(0, 8),
        }
      : null,
    finetune_time_to_80: finetune,
    total_seconds: Math.round((Date.now() - started) / 1000),
    rows: finalRows,
  };
  if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(renderReport(result satisfies BenchResult));
}

if (isMainModule(import.meta.url)) runCommand(BENCH_COMMAND, main);
