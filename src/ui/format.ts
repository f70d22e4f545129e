/** Number formats shared by every panel, so ε, accuracies and times read the same everywhere. */

/** ε in both units the app uses: [0,1] and, for L∞ on images, pixel levels /255. */
export function formatEpsilon(eps: number, norm: 'linf' | 'l2' | 'l0' = 'linf'): string {
  if (norm === 'l0') return `${Math.round(eps)} px`;
  const unit = eps.toFixed(eps < 0.1 ? 3 : 2).replace(/0+$/, '').replace(/\.$/, '');
  if (norm === 'l2') return unit;
  return `${unit} (${Math.round(eps * 255)}/255)`;
}

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
