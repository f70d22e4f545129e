/**
 * The attack registry: one entry per attack id, shared by the CLI, the URL state and the UI.
 */
import { apgdCe } from './apgd';
import { fgsm } from './fgsm';
import { mifgsm } from './mifgsm';
import { bim, pgd, pgdL2 } from './pgd';
import type { AttackSpec } from './types';

export const ATTACKS: readonly AttackSpec[] = [fgsm, bim, pgd, pgdL2, mifgsm, apgdCe];

export function getAttack(id: string): AttackSpec {
  const spec = ATTACKS.find((a) => a.id === id);
  if (!spec) throw new Error(`Unknown attack id '${id}'; known attacks: ${ATTACKS.map((a) => a.id).join(', ')}`);
  return spec;
}
