/** Number formats shared by every panel, so ε, accuracies and times read the same everywhere. */

export { formatEpsilon } from '../lib/util/format-epsilon';

export function formatPercent(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)} %`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const whole = Math.round(s); // round first, so 119.6 s reads "2 min 0 s", not "1 min 60 s"
  const m = Math.floor(whole / 60);
  return `${m} min ${whole - 60 * m} s`;
}
