/**
 * The Markdown report of `npm run bench`, from its JSON result: what `npm run bench` prints, and what
 * `npm run bench -- --from bench.json` prints again from a saved --json run (docs/PERFORMANCE.md is pasted from it).
 */
import { formatNumber, formatTable, type BenchRow } from '../../src/lib/bench/stats';
import { PEER_TASKS } from '../../src/lib/bench/tasks';

export interface BenchResult {
  machine: { cpu: string; cores: number; memory_gb: number; os: string; node: string; chromium: string | null; load_average_at_start: number[]; adapters: Record<string, string> };
  model: string;
  peer: { available: boolean; reason: string | null; python: string | null; torch: string | null; threads: number | null; logits_max_abs_diff: number | null };
  first_load: { transfer_bytes: number; gzip_bytes: number; requests: number; time_to_interactive_ms: number } | null;
  finetune_time_to_80: { reached: unknown; backend: string } | { error: string };
  total_seconds: number;
  rows: BenchRow[];
}

/**
 * The row of a task in Chromium wasm at the thread count the app's lane for it uses — every core for batch work
 * (the background lane), one thread for single images (the Attack Lab's lane; choice.ts chooseWasmThreads) — else
 * the nearest count measured, else Node wasm.
 */
function pick(rows: BenchRow[], task: string, batch: number, lane: 'batch' | 'interactive' = 'batch'): BenchRow | undefined {
  const measured = rows.filter((r) => r.task === task && r.batch === batch && r.runs > 0);
  const threads = (r: BenchRow) => parseInt(r.backend.slice(5));
  const browser = measured.filter((r) => r.where === 'browser' && r.backend.startsWith('wasm')).sort((a, b) => (lane === 'batch' ? threads(b) - threads(a) : threads(a) - threads(b)));
  return browser[0] ?? measured.find((r) => r.where === 'node' && r.backend === 'wasm');
}

const ratioText = (r: BenchRow) =>
  (r.ratio_to_peer === null ? 'no PyTorch figure' : `${r.ratio_to_peer.toFixed(2)}× PyTorch${r.ratio_pairs ? ` (pairs ${r.ratio_min?.toFixed(2)}–${r.ratio_max?.toFixed(2)}, n = ${r.ratio_pairs})` : ''}`) +
  (r.ratio_same_work != null ? `; ${r.ratio_same_work.toFixed(2)}× a PyTorch PGD that also drops broken rows (${r.ratio_same_work_min?.toFixed(2)}–${r.ratio_same_work_max?.toFixed(2)})` : '');

/** The issue-19 targets, judged from the rows (median of interleaved pairs; Chromium wasm at each lane's thread count). */
export function targetTable(rows: BenchRow[]): string {
  const lines = ['| target | where | result | |', '|---|---|---|---|'];
  const ratio = (label: string, task: string, batch: number, goal: number) => {
    const r = pick(rows, task, batch);
    if (!r) return lines.push(`| ${label} | — | not measured | — |`);
    const met = r.ratio_to_peer !== null && r.ratio_to_peer >= goal;
    // Where the like-for-like ratio was measured, a target met only against the plain loop says so.
    const sameWork = r.ratio_same_work == null || r.ratio_same_work >= goal;
    const verdict = !met ? 'missed' : sameWork ? '**met**' : 'met against the plain PyTorch loop only';
    lines.push(`| ${label} | ${r.where} ${r.backend} | ${formatNumber(r.images_per_s)} images/s, ${ratioText(r)} | ${verdict} |`);
  };
  const latency = (label: string, task: string, goal: number) => {
    const r = pick(rows, task, 1, 'interactive');
    if (!r || r.median_ms === null) return lines.push(`| ${label} | — | not measured | — |`);
    lines.push(`| ${label} | ${r.where} ${r.backend} | median ${formatNumber(r.median_ms)} ms (min ${formatNumber(r.min_ms)}) | ${r.median_ms <= goal ? '**met**' : 'missed'} |`);
  };
  ratio('PGD-20 L∞ batch 256 ≥ 2× PyTorch', 'pgd20', 256, 2);
  ratio('FGSM batch 256 ≥ 1× PyTorch', 'fgsm', 256, 1);
  ratio('FGSM-RS training step ≥ 1× PyTorch', 'train-fgsm-rs', 128, 1);
  ratio('PGD-7 training step ≥ 1× PyTorch', 'train-pgd7', 128, 1);
  latency('single-image FGSM ≤ 2 ms', 'fgsm-single', 2);
  latency('single-image PGD-40 ≤ 30 ms', 'pgd40-single', 30);
  const measured = rows.filter((r) => r.leaked_tensors !== null);
  const leaks = measured.filter((r) => r.leaked_tensors !== 0);
  lines.push(`| no leaked tensors | every row | ${leaks.length === 0 ? `0 in all ${measured.length} measured rows` : leaks.map((r) => `${r.task} ${r.where}/${r.backend}: ${r.leaked_tensors}`).join('; ')} | ${leaks.length === 0 ? '**met**' : 'missed'} |`);
  const shares = rows.filter((r) => r.share_of_peak != null && r.task !== 'peak-matmul');
  lines.push(`| every row states its share of the measured peak | every row | ${shares.length} rows with "% of peak" | ${shares.length > 0 ? '**met**' : 'missed'} |`);
  return lines.join('\n');
}

export function renderReport(result: BenchResult): string {
  const m = result.machine;
  const fl = result.first_load;
  const finetune = result.finetune_time_to_80;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}, Node ${m.node}, Chromium ${m.chromium ?? 'not run'}; load average at start ${m.load_average_at_start.join(' / ')}`,
    `Backends: ${Object.entries(m.adapters).map(([k, v]) => `${k} = ${v}`).join('; ')}`,
    `Model: ${result.model}`,
    result.peer.available
      ? `PyTorch peer (interleaved run by run): torch ${result.peer.torch} (${result.peer.python}), ${result.peer.threads} threads; logits match to ${result.peer.logits_max_abs_diff?.toExponential(1)}`
      : `PyTorch peer: not available (${result.peer.reason})`,
    fl
      ? `First load: ${formatNumber(fl.transfer_bytes / 1024)} KiB in ${fl.requests} requests (${formatNumber(fl.gzip_bytes / 1024)} KiB gzipped), interactive after ${fl.time_to_interactive_ms} ms`
      : 'First load: not measured',
    '',
    formatTable(result.rows, PEER_TASKS, result.peer.available),
    '',
    'Targets (issue 19), judged from the rows above:',
    '',
    targetTable(result.rows),
    '',
    'error' in finetune
      ? `Fine-tuning to 80 % PGD-20 accuracy at ε = 0.1: not measured (${finetune.error})`
      : (() => {
          const r = finetune.reached as { step: number; trainSeconds: number; wallSeconds: number; clean: number } | null;
          return r
            ? `Fine-tuning mnist-cnn (FGSM-RS ε = 0.1, batch 64, Adam 1e-3) reached 80 % PGD-20 accuracy at ε = 0.1 on 500 held-out test images at step ${r.step}: ${r.trainSeconds} s of training, ${r.wallSeconds} s with the checks (${finetune.backend}; clean ${(100 * r.clean).toFixed(1)} %).`
            : `Fine-tuning mnist-cnn did not reach 80 % PGD-20 accuracy at ε = 0.1 within the step limit (${finetune.backend}).`;
        })(),
    '',
    `Total ${result.total_seconds} s.`,
  ];
  return `${lines.join('\n')}\n`;
}
