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
import { transfer } from './transfer';
import type { AttackSpec } from './types';
import { makeAutoAttack, makeEnsemble } from './worst-case';

const BASE: AttackSpec[] = [fgsm, bim, pgd, pgdL2, mifgsm, apgdCe, apgdDlr, apgdT, cwL2, deepfool, jsma, square, transfer, noise];

export const ATTACKS: readonly AttackSpec[] = [...BASE, makeEnsemble((id) => getAttack(id)), makeAutoAttack((id) => getAttack(id))];

export const ATTACK_IDS: readonly string[] = ATTACKS.map((a) => a.id);

export function getAttack(id: string): AttackSpec {
  const spec = ATTACKS.find((a) => a.id === id);
  if (!spec) throw new Error(`Unknown attack id '${id}'; known attacks: ${ATTACK_IDS.join(', ')}`);
  return spec;
}
