/**
 * The Attack Lab's shareable state and its place in the URL hash: one schema (state/url-schema.ts), so a tampered
 * value is reported and replaced by its default as in every panel, and the state is written back as the person works.
 */
import { readHash, urlProblems } from '../../url-state';
import { epsilonMax } from '../../components/epsilon-scale';
import { choice, num, optionalBool, optionalNum, urlSchema } from '../../state/url-schema';
import type { AttackSummary } from '../../../worker/attack-lab-api';
import type { Norm } from '../../../lib/attacks/types';
import { MNIST_EPSILON } from '../../../lib/util/default-epsilon';
import { DEFENSES, GRADIENT_MODES, type GradientMode } from '../../../lib/defenses/catalog';

/** Input-transform defenses the lab can put in front of a model (the others are models or panels of their own). */
export const LAB_DEFENSE_IDS: readonly string[] = DEFENSES.filter((d) => d.setting && d.kind !== 'certified').map((d) => d.id);

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
  /** A defense in front of the model (null: none), and what the attacker differentiates through it. */
  defense: string | null;
  defenseGradient: GradientMode;
}

/** ε the lab opens with, per norm: the classic MNIST budgets (colour models: lib/util/default-epsilon.ts). */
export const DEFAULT_EPSILON = MNIST_EPSILON;

/** Upper bounds of the address's numbers, wide enough for every shipped input (32×32×3 signs, 14 classes). */
const MAX_VALUES = 32 * 32 * 3;
const MAX_CLASS = 99;

/** The lab's keys, declared once; the lists and ε's range depend on what the engine offers and the attack's norm (exported for panel-limits.test's walk of every key). */
export function labSchema(modelIds: string[], attackIds: string[], defaultModel: string, defaultAttack: string, norm: Norm) {
  // The same range as the ε field (its slider and boxes), so a link never holds a budget the field would refuse.
  // L0 keeps the input size: sticker links count the stickers' pixels, which the field does not edit.
  const maxEps = norm === 'l0' ? MAX_VALUES : epsilonMax(norm);
  return urlSchema({
    model: choice(modelIds, defaultModel),
    attack: choice(attackIds, defaultAttack),
    eps: num(DEFAULT_EPSILON[norm], 0, maxEps),
    steps: optionalNum(1, 1000, { integer: true }),
    alpha: optionalNum(1e-6, 10),
    rs: optionalBool(true),
    restarts: optionalNum(1, 20, { integer: true }),
    target: optionalNum(0, MAX_CLASS, { integer: true }),
    src: choice(INPUT_SOURCES, 'gallery'),
    img: optionalNum(0, 1_000_000, { integer: true }),
    cls: optionalNum(0, MAX_CLASS, { integer: true }),
    shuffle: optionalNum(0, 2 ** 31, { integer: true }),
    def: choice(['', ...LAB_DEFENSE_IDS], ''),
    dgrad: choice<'' | GradientMode>(['', ...GRADIENT_MODES], ''),
  });
}

/** Writing needs no lists (a field writes any value of its type). */
const WRITER = labSchema([], [], '', '', 'linf');

/**
 * Reads the lab's state from the hash; models and attacks are checked against the lists the engine reported.
 * Returns the state and the problems found (each one is a sentence for the person).
 */
export function readLabState(modelIds: string[], attacks: AttackSummary[], defaultModel: string): { state: LabState; problems: string[] } {
  const before = urlProblems.length;
  const p = readHash();
  const attackIds = attacks.map((a) => a.id);
  const defaultAttack = attackIds.includes('pgd') ? 'pgd' : attackIds[0];
  // The attack first: its norm sets ε's default and range. The checked value is read again, so it is reported once.
  const attack = choice(attackIds, defaultAttack).parse(p.attack, 'attack');
  const norm = attacks.find((a) => a.id === attack)?.norm ?? 'linf';
  const u = labSchema(modelIds, attackIds, defaultModel, defaultAttack, norm).read({ ...p, attack });
  const state: LabState = {
    model: u.model,
    attack,
    epsilon: u.eps,
    steps: u.steps ?? null,
    stepSize: u.alpha ?? null,
    randomStart: u.rs ?? null,
    restarts: u.restarts ?? null,
    target: u.target ?? null,
    source: u.src,
    image: u.img ?? 0,
    classFilter: u.cls ?? null,
    shuffle: u.shuffle ?? null,
    defense: u.def || null,
    defenseGradient: u.dgrad || 'naive',
  };
  return { state, problems: urlProblems.slice(before) };
}

/** Writes the state into the hash, leaving other keys (the panel id) alone; defaults are left out. */
export function writeLabState(s: LabState): void {
  const opt = <T>(v: T | null) => (v === null ? undefined : v);
  WRITER.write({
    model: s.model,
    attack: s.attack,
    eps: +s.epsilon.toFixed(5),
    steps: opt(s.steps),
    alpha: opt(s.stepSize),
    rs: opt(s.randomStart),
    restarts: opt(s.restarts),
    target: opt(s.target),
    src: s.source,
    img: s.source === 'gallery' ? s.image : undefined,
    cls: opt(s.classFilter),
    shuffle: opt(s.shuffle),
    def: s.defense ?? '',
    dgrad: s.defense ? s.defenseGradient : '',
  });
}
