/**
 * The glossary's ids: the small part of it the page needs up front (which words are explained — a lesson's [[links]],
 * an attack's or defense's name). The explanations themselves (terms.ts, about 12 KiB) load on the
 * first hover or focus of a term. terms.ts is typed against this list, so an entry without an id, or an id without an
 * entry, does not compile.
 */
export const TERM_IDS = [
  'adversarial-example', 'epsilon', 'delta', 'linf', 'l2', 'l0', 'delta-norms', 'robust-accuracy',
  'clean-accuracy', 'worst-case', 'white-box', 'black-box', 'transfer', 'targeted', 'restarts', 'fgsm', 'bim',
  'pgd', 'pgd-l2', 'mifgsm', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'autoattack', 'cw-l2', 'deepfool', 'jsma',
  'square', 'noise', 'ensemble', 'sticker', 'adversarial-training', 'fgsm-rs', 'n-fgsm', 'pgd-at', 'trades',
  'catastrophic-overfitting', 'gradient-masking', 'bpda', 'eot', 'input-transform', 'distillation',
  'randomized-smoothing', 'certified-radius', 'logits', 'decision-boundary', 'jpeg', 'bit-depth', 'median',
  'blur', 'resize-pad', 'tolerance', 'backend',
] as const;

export type TermId = (typeof TERM_IDS)[number];

/** Ids used elsewhere in the app that name a glossary entry under another id. */
const ALIASES: Record<string, TermId> = { smoothing: 'randomized-smoothing' };

/** The glossary id for an attack, training method or defense id, or null when the glossary has no entry. */
export function termFor(id: string): TermId | null {
  if (id in ALIASES) return ALIASES[id];
  return (TERM_IDS as readonly string[]).includes(id) ? (id as TermId) : null;
}
