/**
 * The largest ε a person can ask the Attack Lab for, per norm, for inputs in [0, 1]: the ε field (slider and box),
 * the address (eps=…) and the worker (runAttack) all read it, so a budget one accepts is never refused or cut by
 * another. L∞ 0.5 turns any pixel into mid-grey; L2 6 is a large change of a 28×28 picture. L0 counts pixels and
 * is bounded by the input's size in the worker (sticker links carry their pixel counts). No tfjs: the UI imports it.
 */
export const LAB_EPSILON_MAX = { linf: 0.5, l2: 6, l0: 100 } as const;
