import { describe, it, expect } from 'vitest';
import { ATTACKS, getAttack } from '../../src/lib/attacks/registry';

/** The registry's `effort` field: which options set an attack's budget (what evaluation panels let a person change). */
describe('attack registry: effort options', () => {
  it('every effort option is an option the attack takes (it has a default for it)', () => {
    for (const spec of ATTACKS) {
      for (const option of spec.effort ?? []) {
        expect(spec.defaults, `${spec.id}.${option}`).toHaveProperty(option);
      }
    }
  });

  it('iterative attacks are set by steps and restarts, score-based ones by queries, noise by draws; single-step ones by nothing', () => {
    expect(getAttack('pgd').effort).toEqual(['steps', 'restarts']);
    expect(getAttack('apgd-ce').effort).toEqual(['steps', 'restarts']);
    expect(getAttack('square').effort).toEqual(['queryBudget']);
    expect(getAttack('noise').effort).toEqual(['samples']);
    expect(getAttack('fgsm').effort).toEqual([]);
    expect(getAttack('deepfool').effort).toEqual([]);
  });
});
