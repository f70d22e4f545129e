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
  /** images_per_s / peer_images_per_s. */
  ratio_to_peer: number | null;
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

/** Fills peer_images_per_s and ratio_to_peer for rows whose (task, batch) the peer also ran. Returns new rows. */
export function attachPeer(rows: readonly BenchRow[], peer: readonly PeerFigure[] | null): BenchRow[] {
  return rows.map((r) => {
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
  const header = ['task', 'where', 'backend', 'batch', 'median ms', 'min–max ms', 'images/s', 'leak', 'PyTorch img/s', 'ratio', 'runs', 'note'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const covered = peerTasks.has(r.task);
    const peer = r.peer_images_per_s !== null ? formatNumber(r.peer_images_per_s) : covered && !peerAvailable ? 'not available' : '—';
    const ratio = r.ratio_to_peer !== null ? `${r.ratio_to_peer.toFixed(2)}×` : covered && !peerAvailable ? 'not available' : '—';
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
        String(r.runs),
        r.note.replace(/\|/g, '/'),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
