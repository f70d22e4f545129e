/**
 * The attack registry: one entry per attack id, shared by the CLI, the URL state and the UI.
 */
import { apgdCe, apgdDlr, apgdT } from './apgd';
import { cwL2 } from './cw';
import { deepfool } from './deepfool';
import { fgsm } from './fgsm';
import { jsma } from './jsma';
import { mifgsm } from './mifgsm';
import { noise } from './noise';
import { bim, pgd, pgdL2 } from './pgd';
import { square } from './square';
import { sticker } from './sticker';
import { transfer } from './transfer';
import type { AttackSpec, EffortOption } from './types';
import { makeAutoAttack, makeEnsemble } from './worst-case';

/** Which options set each attack's budget (AttackSpec.effort); attacks not listed have none to set. */
const EFFORT: Record<string, readonly EffortOption[]> = {
  bim: ['steps', 'restarts'],
  pgd: ['steps', 'restarts'],
  'pgd-l2': ['steps', 'restarts'],
  mifgsm: ['steps', 'restarts'],
  'apgd-ce': ['steps', 'restarts'],
  'apgd-dlr': ['steps', 'restarts'],
  'apgd-t': ['steps', 'restarts'],
  'cw-l2': ['steps'],
  transfer: ['steps', 'restarts'],
  square: ['queryBudget'],
  noise: ['samples'],
};

const BASE: AttackSpec[] = [fgsm, bim, pgd, pgdL2, mifgsm, apgdCe, apgdDlr, apgdT, cwL2, deepfool, jsma, square, transfer, noise, sticker].map((spec) => ({
  ...spec,
  effort: spec.effort ?? EFFORT[spec.id] ?? [],
}));

export const ATTACKS: readonly AttackSpec[] = [...BASE, makeEnsemble((id) => getAttack(id)), makeAutoAttack((id) => getAttack(id))];

export const ATTACK_IDS: readonly string[] = ATTACKS.map((a) => a.id);

export function getAttack(id: string): AttackSpec {
  const spec = ATTACKS.find((a) => a.id === id);
  if (!spec) throw new Error(`Unknown attack id '${id}'; known attacks: ${ATTACK_IDS.join(', ')}`);
  return spec;
}
