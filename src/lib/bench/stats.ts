/**
 * Pure helpers of `npm run bench`, shared by the Node runner, the browser worker and the report: summaries of
 * repeated timings, the row every benchmark produces, the comparison with the PyTorch peer, and the text table.
 */

export type BenchWhere = 'node' | 'browser';

/** One measured figure, as `npm run bench -- --json` prints it (null where a figure does not apply). */
export interface BenchRow {
  task: string;
  where: BenchWhere;
  backend: string;
  /** Images (or grid points) per timed call; null for whole-job figures such as first load. */
  batch: number | null;
  median_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  /** Items per second at the median (batch / median); for training, training images per second. */
  images_per_s: number | null;
  /** tf.memory().numTensors after the timed runs minus before them (0 expected). */
  leaked_tensors: number | null;
  peer_images_per_s: number | null;
  /** images_per_s / peer_images_per_s; from interleaved runs, the median of the per-pair ratios. */
  ratio_to_peer: number | null;
  /** Interleaved runs (project, peer, project, peer, …): the spread of the per-pair ratios, and the pair count. */
  ratio_min?: number | null;
  ratio_max?: number | null;
  ratio_pairs?: number;
  /**
   * PGD rows: the ratio (median, min, max of interleaved triples) to a PyTorch PGD that also stops stepping the rows
   * already broken, as the project's loop does — like-for-like work, beside ratio_to_peer's plain PyTorch loop.
   */
  ratio_same_work?: number | null;
  ratio_same_work_min?: number | null;
  ratio_same_work_max?: number | null;
  /** Floating-point operations of one timed call, from the model's layer shapes (multiply-add = 2). */
  gflop_per_call?: number | null;
  /** Achieved GFLOP/s at the median ÷ the backend's measured peak (a large matmul on the same backend). */
  share_of_peak?: number | null;
  /** Timed runs behind the median (after warm-up). */
  runs: number;
  /** What was run, and anything the numbers need to be read right (e.g. steps actually taken). */
  note: string;
}

export interface TimingSummary {
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the two middle values for an even count), min and max of a non-empty list. */
export function summarise(samples: readonly number[]): TimingSummary {
  if (samples.length === 0) throw new Error('summarise: samples must not be empty');
  if (samples.some((s) => !Number.isFinite(s))) throw new Error('summarise: samples must be finite numbers');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** A row from timings in milliseconds of calls that each handle `items` images (null: not a throughput figure). */
export function timingRow(
  base: { task: string; where: BenchWhere; backend: string; batch: number | null; note?: string },
  samplesMs: readonly number[],
  items: number | null,
  leaked: number | null,
): BenchRow {
  const s = summarise(samplesMs);
  return {
    task: base.task,
    where: base.where,
    backend: base.backend,
    batch: base.batch,
    median_ms: round(s.median, 3),
    min_ms: round(s.min, 3),
    max_ms: round(s.max, 3),
    images_per_s: items === null || s.median <= 0 ? null : round((items * 1000) / s.median, 1),
    leaked_tensors: leaked,
    peer_images_per_s: null,
    ratio_to_peer: null,
    runs: samplesMs.length,
    note: base.note ?? '',
  };
}

/** A row for a task that was not run on this backend, saying why. */
export function skippedRow(base: { task: string; where: BenchWhere; backend: string; batch: number | null }, why: string): BenchRow {
  return {
    ...base,
    median_ms: null,
    min_ms: null,
    max_ms: null,
    images_per_s: null,
    leaked_tensors: null,
    peer_images_per_s: null,
    ratio_to_peer: null,
    runs: 0,
    note: `not run: ${why}`,
  };
}

/** What the PyTorch peer measured: throughput per (task, batch). */
export interface PeerFigure {
  task: string;
  batch: number;
  images_per_s: number;
}

/**
 * The comparison from interleaved runs: pair i is the project's call i and the peer's call right after it, under
 * the same load. ratio_i = peer ms ÷ project ms (= project images/s ÷ peer images/s, same batch); the row gets the
 * median ratio and its min–max. Unpaired calls (a peer call that failed) are dropped.
 */
export function interleavedRatio(projectMs: readonly number[], peerMs: readonly (number | null)[], items: number): Pick<BenchRow, 'peer_images_per_s' | 'ratio_to_peer' | 'ratio_min' | 'ratio_max' | 'ratio_pairs'> | null {
  const ratios: number[] = [];
  const peer: number[] = [];
  projectMs.forEach((ms, i) => {
    const q = peerMs[i];
    if (q != null && Number.isFinite(q) && q > 0 && ms > 0) {
      ratios.push(q / ms);
      peer.push(q);
    }
  });
  if (ratios.length === 0) return null;
  const r = summarise(ratios);
  return {
    peer_images_per_s: round((items * 1000) / summarise(peer).median, 1),
    ratio_to_peer: round(r.median, 3),
    ratio_min: round(r.min, 3),
    ratio_max: round(r.max, 3),
    ratio_pairs: ratios.length,
  };
}

/** Fills peer_images_per_s and ratio_to_peer for rows whose (task, batch) the peer also ran. Returns new rows. */
export function attachPeer(rows: readonly BenchRow[], peer: readonly PeerFigure[] | null): BenchRow[] {
  return rows.map((r) => {
    if (r.ratio_pairs) return { ...r }; // measured interleaved: already compared side by side
    if (!peer) return { ...r };
    const p = peer.find((f) => f.task === r.task && f.batch === r.batch);
    if (!p || r.images_per_s === null || !(p.images_per_s > 0)) return { ...r };
    return { ...r, peer_images_per_s: round(p.images_per_s, 1), ratio_to_peer: round(r.images_per_s / p.images_per_s, 3) };
  });
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Compact human number: 3 significant digits, thousands separated by a thin space. */
export function formatNumber(v: number | null): string {
  if (v === null) return '—';
  const abs = Math.abs(v);
  const text = abs >= 100 ? Math.round(v).toString() : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toFixed(3);
  return text.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * The bench table as Markdown (it reads well in a terminal too). peerAvailable false prints "not available" in
 * the peer columns of rows the peer would have covered.
 */
export function formatTable(rows: readonly BenchRow[], peerTasks: ReadonlySet<string>, peerAvailable: boolean): string {
  const header = ['task', 'where', 'backend', 'batch', 'median ms', 'min–max ms', 'images/s', 'leak', 'PyTorch img/s', 'ratio (interleaved: min–max)', '% of peak', 'runs', 'note'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const covered = peerTasks.has(r.task);
    const peer = r.peer_images_per_s !== null ? formatNumber(r.peer_images_per_s) : covered && !peerAvailable ? 'not available' : '—';
    const spread = r.ratio_pairs && r.ratio_min != null && r.ratio_max != null ? ` (${r.ratio_min.toFixed(2)}–${r.ratio_max.toFixed(2)}, ${r.ratio_pairs} pairs)` : '';
    const ratio = r.ratio_to_peer !== null ? `${r.ratio_to_peer.toFixed(2)}×${spread}` : covered && !peerAvailable ? 'not available' : '—';
    const peak = r.share_of_peak != null ? `${(100 * r.share_of_peak).toFixed(r.share_of_peak < 0.01 ? 2 : 1)} %` : '—';
    const range = r.min_ms === null || r.max_ms === null ? '—' : `${formatNumber(r.min_ms)}–${formatNumber(r.max_ms)}`;
    lines.push(
      `| ${[
        r.task,
        r.where,
        r.backend,
        r.batch === null ? '—' : String(r.batch),
        formatNumber(r.median_ms),
        range,
        formatNumber(r.images_per_s),
        r.leaked_tensors === null ? '—' : String(r.leaked_tensors),
        peer,
        ratio,
        peak,
        String(r.runs),
        r.note.replace(/\|/g, '/'),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
