/**
 * The Attack Lab's shareable state and its place in the URL hash. Values are read with the validating parsers of
 * url-state.ts (a tampered value is reported and replaced by its default) and written back as the person works.
 */
import { boolParam, choiceParam, numberParam, readHash, updateHash, urlProblems, type Params } from '../../url-state';
import type { AttackSummary } from '../../../worker/attack-lab-api';

export type InputSource = 'gallery' | 'draw' | 'upload';
export const INPUT_SOURCES: readonly InputSource[] = ['gallery', 'draw', 'upload'];

export interface LabState {
  model: string;
  attack: string;
  epsilon: number;
  /** Attack options the chosen attack's metadata allows; absent means the attack's own default. */
  steps: number | null;
  stepSize: number | null;
  randomStart: boolean | null;
  restarts: number | null;
  /** Target class of a targeted run; null for untargeted. */
  target: number | null;
  source: InputSource;
  /** Test-file index of the gallery image. */
  image: number;
  /** Gallery filter: a class, or null for all. */
  classFilter: number | null;
  /** Gallery order: null for file order, else the shuffle seed. */
  shuffle: number | null;
}

/** ε the lab opens with, per norm: the classic MNIST budgets. */
export const DEFAULT_EPSILON = { linf: 0.1, l2: 1.5, l0: 20 } as const;

export function optionalNumber(params: Params, key: string, min: number, max: number, integer = false): number | null {
  if (params[key] === undefined) return null;
  const v = numberParam(params, key, NaN, min, max);
  if (Number.isNaN(v)) return null;
  if (integer && !Number.isInteger(v)) {
    urlProblems.push(`“${key}=${params[key]}” in the address is not a whole number; using the default.`);
    return null;
  }
  return v;
}

/**
 * Reads the lab's state from the hash; models and attacks are checked against the lists the engine reported.
 * Returns the state and the problems found (each one is a sentence for the person).
 */
export function readLabState(modelIds: string[], attacks: AttackSummary[], defaultModel: string): { state: LabState; problems: string[] } {
  const before = urlProblems.length;
  const p = readHash();
  const attackIds = attacks.map((a) => a.id);
  const attack = choiceParam(p, 'attack', attackIds, attackIds.includes('pgd') ? 'pgd' : attackIds[0]);
  const norm = attacks.find((a) => a.id === attack)?.norm ?? 'linf';
  const maxEps = norm === 'linf' ? 1 : norm === 'l2' ? 28 : 784;
  const state: LabState = {
    model: choiceParam(p, 'model', modelIds, defaultModel),
    attack,
    epsilon: numberParam(p, 'eps', DEFAULT_EPSILON[norm], 0, maxEps),
    steps: optionalNumber(p, 'steps', 1, 1000, true),
    stepSize: optionalNumber(p, 'alpha', 1e-6, 10),
    randomStart: p.rs === undefined ? null : boolParam(p, 'rs', true),
    restarts: optionalNumber(p, 'restarts', 1, 20, true),
    target: optionalNumber(p, 'target', 0, 9, true),
    source: choiceParam(p, 'src', INPUT_SOURCES, 'gallery'),
    image: optionalNumber(p, 'img', 0, 1_000_000, true) ?? 0,
    classFilter: optionalNumber(p, 'cls', 0, 9, true),
    shuffle: optionalNumber(p, 'shuffle', 0, 2 ** 31, true),
  };
  return { state, problems: urlProblems.slice(before) };
}

/** Writes the state into the hash, leaving other keys (the panel id) alone; defaults are left out. */
export function writeLabState(s: LabState): void {
  const opt = (v: number | boolean | null) => (v === null ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  updateHash({
    model: s.model,
    attack: s.attack,
    eps: String(+s.epsilon.toFixed(5)),
    steps: opt(s.steps),
    alpha: opt(s.stepSize),
    rs: opt(s.randomStart),
    restarts: opt(s.restarts),
    target: opt(s.target),
    src: s.source,
    img: s.source === 'gallery' ? String(s.image) : '',
    cls: opt(s.classFilter),
    shuffle: opt(s.shuffle),
  });
}
