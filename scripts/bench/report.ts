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
