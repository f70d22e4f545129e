/**
 * How ε is written everywhere (UI, sanity-flag messages, model names): one place, so it reads the same. Plain
 * functions, no tfjs: the main thread uses them too.
 */

/** A budget as a short decimal: at most `digits` decimals, trailing zeros dropped (0.100 → "0.1"). */
export function epsilonNumber(eps: number, digits: number): string {
  return eps.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '');
}

/** ε in both units the app uses: [0,1] and, for L∞ on images, pixel levels /255; L0 in pixels. */
export function formatEpsilon(eps: number, norm: 'linf' | 'l2' | 'l0' = 'linf'): string {
  if (norm === 'l0') return `${Math.round(eps)} px`;
  const unit = epsilonNumber(eps, eps < 0.1 ? 3 : 2);
  return norm === 'l2' ? unit : `${unit} (${Math.round(eps * 255)}/255)`;
}
