/** The attack library's public surface. */
export * from './types';
export { ATTACKS, ATTACK_IDS, getAttack } from './registry';
export { layersModelAsAttackModel, scoreOracle, type CountingOracle } from './model-adapter';
export { withRestarts, makeEnsemble, worstCaseOver, DEFAULT_ENSEMBLE } from './worst-case';
export { minimalEpsilon, type MinimalEpsilonOptions, type MinimalEpsilonResult } from './minimal-epsilon';
export { iterativeAttack, type IterativeParams, type IterativeOutcome, type StepRule, type StepRuleFactory } from './iterative';
export { apgdCheckpoints } from './apgd';
