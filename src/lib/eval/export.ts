/**
 * CSV and JSON exports of the ε-curves and the robustness report. Every figure goes out with the settings that
 * produced it (attack hyperparameters, N, seed, backend), so an exported file can be read without the app.
 * Pure: the UI calls it without tfjs.
 */
import type { CurvePoint } from './curves';
import type { RobustnessReport } from './report';

type Settings = Record<string, number | string | boolean>;

export interface CurveExportMeta {
  dataset: string;
  n: number;
  seed: number;
  norm: 'linf';
  /** Hyperparameters per attack key. */
  attacks: Record<string, Settings>;
  /** Anything else worth keeping (backend, batch size, date). */
  settings: Settings;
}

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function csv(rows: unknown[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** "k=v; k=v" in key order: every hyperparameter, in one readable cell. */
export function settingsText(s: Settings): string {
  return Object.keys(s)
    .sort()
    .map((k) => `${k}=${s[k]}`)
    .join('; ');
}

/** Per-example mask as a string of 0/1 (compact and exact). */
export function maskText(mask: Uint8Array): string {
  let s = '';
  for (let i = 0; i < mask.length; i++) s += mask[i] ? '1' : '0';
  return s;
}

const CURVE_HEADER = ['model', 'attack', 'epsilon', 'epsilon_255', 'robust_accuracy', 'robust', 'n', 'seconds', 'hyperparameters'];

export function curvesToCsv(points: CurvePoint[], meta: CurveExportMeta): string {
  const sorted = [...points].sort((a, b) => a.model.localeCompare(b.model) || a.attack.localeCompare(b.attack) || a.epsilon - b.epsilon);
  return csv([
    CURVE_HEADER,
    ...sorted.map((p) => [
      p.model,
      p.attack,
      p.epsilon,
      p.epsilon * 255,
      p.robustAccuracy,
      p.robust,
      p.n,
      p.seconds,
      settingsText({ ...(meta.attacks[p.attack] ?? {}), dataset: meta.dataset, seed: meta.seed, norm: meta.norm, ...meta.settings }),
    ]),
  ]);
}

export function curvesToJson(points: CurvePoint[], meta: CurveExportMeta): string {
  return JSON.stringify(
    {
      kind: 'robustness-curves',
      ...meta,
      points: points.map((p) => ({
        model: p.model,
        attack: p.attack,
        epsilon: p.epsilon,
        robustAccuracy: p.robustAccuracy,
        robust: p.robust,
        n: p.n,
        seconds: Number(p.seconds.toFixed(3)),
        broken: maskText(p.success),
      })),
    },
    null,
    2,
  );
}

const REPORT_HEADER = [
  'kind',
  'name',
  'attack',
  'role',
  'purpose',
  'epsilon',
  'epsilon_255',
  'robust_accuracy',
  'robust',
  'n',
  'unique_breaks',
  'in_worst_case',
  'queries',
  'seconds',
  'hyperparameters',
];

/** One table: clean accuracy, each attack, the worst case, then the sanity flags (their message in the last column). */
export function reportToCsv(r: RobustnessReport): string {
  const eps255 = r.epsilon * 255;
  const clean = Math.round(r.cleanAccuracy * r.n);
  return csv([
    REPORT_HEADER,
    ['clean', 'clean accuracy', '', '', '', 0, 0, r.cleanAccuracy, clean, r.n, '', '', r.n, '', settingsText({ model: r.model, dataset: r.dataset, ...r.settings })],
    ...r.rows.map((row) => [
      'attack',
      row.name,
      row.attack,
      row.role,
      row.purpose,
      row.epsilon,
      row.epsilon * 255,
      row.robustAccuracy,
      row.robust,
      r.n,
      row.uniqueBreaks,
      row.inWorstCase ? 1 : 0,
      row.queries,
      row.seconds,
      settingsText(row.hyperparameters),
    ]),
    ['worst-case', 'per-example worst case over all attacks', '', '', '', r.epsilon, eps255, r.worstCase.robustAccuracy, r.worstCase.robust, r.n, '', '', '', r.seconds, 'an example is robust only if correct and unbroken by every attack in the worst case'],
    ...r.flags.map((f) => ['flag', f.id, '', '', f.evaluated ? (f.fired ? 'fired' : 'silent') : 'not evaluated', '', '', '', '', '', '', '', '', '', f.message]),
  ]);
}

export function reportToJson(r: RobustnessReport): string {
  return JSON.stringify(
    {
      kind: 'robustness-report',
      model: r.model,
      dataset: r.dataset,
      norm: r.norm,
      epsilon: r.epsilon,
      epsilon255: r.epsilon * 255,
      n: r.n,
      seed: r.seed,
      cleanAccuracy: r.cleanAccuracy,
      worstCase: { robustAccuracy: r.worstCase.robustAccuracy, robust: r.worstCase.robust, robustMask: maskText(r.worstCase.perExample) },
      rows: r.rows,
      flags: r.flags,
      settings: r.settings,
      seconds: r.seconds,
      cleanCorrect: maskText(r.cleanCorrect),
    },
    (_k, v) => (v instanceof Uint8Array ? maskText(v) : v),
    2,
  );
}
