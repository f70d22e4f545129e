/**
 * The defenses the playground offers, as plain data (no tfjs: the UI imports this module): what each does, how it
 * fails or what it guarantees, what it costs, its one setting, and which adaptive attack answers it. The texts are
 * the playground's own teaching; the numbers the UI shows next to them are always measured, never written here.
 */
import { describeGiven, ValidationError, type NumberField } from '../validate/numeric';


/** What an attacker differentiates through a transform (transform.ts explains each). */
export const GRADIENT_MODES = ['naive', 'bpda', 'eot'] as const;
export type GradientMode = (typeof GRADIENT_MODES)[number];

export type DefenseId = 'jpeg' | 'bit-depth' | 'median' | 'blur' | 'noise' | 'resize-pad' | 'distillation' | 'smoothing';

export interface DefenseSetting {
  key: string;
  label: string;
  min: number;
  max: number;
  step: number;
  default: number;
}

export interface DefenseInfo {
  id: DefenseId;
  name: string;
  kind: 'transform' | 'randomized transform' | 'training' | 'certified';
  /** The adaptive attack the panel runs against it, in words. */
  adaptive: string;
  /** The naive attack, in words. */
  naive: string;
  what: string;
  /** How it fails against an adaptive attacker, or what it guarantees. */
  verdict: string;
  cost: string;
  reference: string;
  setting: DefenseSetting | null;
}

export const DEFENSES: readonly DefenseInfo[] = [
  {
    id: 'jpeg',
    name: 'JPEG compression',
    kind: 'transform',
    naive: 'PGD through the JPEG pipeline (autodiff gives a zero gradient through its rounding)',
    adaptive: 'BPDA: the real JPEG on the forward pass, the identity on the backward pass',
    what: 'Compresses every input (8×8 DCT, quantisation tables scaled by quality, rounding) before the model sees it, hoping to wash out small perturbations.',
    verdict:
      'Its rounding has a zero gradient, so a naive attack gets no signal and reports the model as robust. That is gradient masking, not robustness: BPDA, which differentiates as if JPEG were the identity, finds adversarial examples that survive compression.',
    cost: 'Some clean accuracy at low quality, one extra transform per image.',
    reference: 'Guo et al. 2018; broken by Athalye, Carlini & Wagner 2018',
    setting: { key: 'quality', label: 'quality', min: 5, max: 95, step: 5, default: 75 },
  },
  {
    id: 'bit-depth',
    name: 'Bit-depth reduction',
    kind: 'transform',
    naive: 'PGD through the rounding (zero gradient)',
    adaptive: 'BPDA (identity on the backward pass)',
    what: 'Rounds every pixel to 2^bits levels; with 1 bit an MNIST digit becomes black and white.',
    verdict:
      'The naive gradient is exactly zero. On MNIST, binarisation can still hold under BPDA at moderate ε, because a pixel must cross ½ to change at all: when it holds under the adaptive attack it is reported as holding — with the caveat that a stronger adaptive attack (other surrogates, more steps, restarts) may exist.',
    cost: 'Little clean accuracy on MNIST; destroys detail on natural images.',
    reference: 'Xu, Evans & Qi 2018 (feature squeezing)',
    setting: { key: 'bits', label: 'bits', min: 1, max: 8, step: 1, default: 1 },
  },
  {
    id: 'median',
    name: 'Median filter',
    kind: 'transform',
    naive: 'PGD through the filter (autodiff routes each gradient to the window\'s median pixel)',
    adaptive: 'BPDA (identity on the backward pass)',
    what: 'Replaces each pixel by the median of its k×k neighbourhood, removing isolated spikes.',
    verdict: 'Its gradient is sparse but not zero, so even the naive attack gets through; BPDA does at least as well. It barely changes robustness.',
    cost: 'Blurs thin strokes: some clean accuracy.',
    reference: 'Xu, Evans & Qi 2018',
    setting: { key: 'size', label: 'window', min: 3, max: 5, step: 2, default: 3 },
  },
  {
    id: 'blur',
    name: 'Gaussian blur',
    kind: 'transform',
    naive: 'PGD through the blur (its gradient is exact)',
    adaptive: 'BPDA (identity on the backward pass)',
    what: 'Convolves the input with a Gaussian kernel of width σ.',
    verdict:
      'A smooth linear filter masks nothing: the naive gradient is already the true one, so naive and adaptive attacks agree. Whatever robustness remains is real, and small — the attacker simply perturbs the low frequencies.',
    cost: 'Clean accuracy drops as σ grows.',
    reference: 'a common baseline',
    setting: { key: 'sigma', label: 'σ (pixels)', min: 0.5, max: 2, step: 0.25, default: 1 },
  },
  {
    id: 'noise',
    name: 'Gaussian noise (random)',
    kind: 'randomized transform',
    naive: 'single-draw PGD: each step sees one random noise draw',
    adaptive: 'EOT: each step averages the class probabilities over 16 draws',
    what: 'Adds fresh Gaussian noise to every input at test time, so each prediction is random.',
    verdict:
      'One draw\'s gradient is noisy, so a single-draw attack looks weak. Averaging over draws (Expectation over Transformation) recovers the expected gradient and breaks it. Randomness alone is not a defense; randomized smoothing turns the same noise into a certificate.',
    cost: 'Clean accuracy falls with σ unless the model was trained with noise; k forward passes per EOT step.',
    reference: 'Athalye, Engstrom, Ilyas & Kwok 2018 (EOT)',
    setting: { key: 'sigma', label: 'σ', min: 0.05, max: 0.5, step: 0.05, default: 0.3 },
  },
  {
    id: 'resize-pad',
    name: 'Random resize and pad',
    kind: 'randomized transform',
    naive: 'single-draw PGD',
    adaptive: 'EOT over 16 random sizes and offsets',
    what: 'Shrinks each image to a random size and pastes it at a random place on a black canvas of the original size.',
    verdict: 'Broken by EOT in Athalye et al. 2018, and here: the averaged gradient finds perturbations that survive any draw.',
    cost: 'Some clean accuracy (the model never saw shifted, shrunken digits).',
    reference: 'Xie et al. 2018; broken by Athalye, Carlini & Wagner 2018',
    setting: { key: 'minSize', label: 'smallest size', min: 16, max: 27, step: 1, default: 20 },
  },
  {
    id: 'distillation',
    name: 'Defensive distillation',
    kind: 'training',
    naive: 'PGD on the cross-entropy',
    adaptive: 'PGD on the logit margin (Carlini & Wagner\'s loss)',
    what: 'A student network trained at temperature T = 100 on a teacher\'s soft labels, then used at T = 1 (the shipped mnist-cnn-distilled).',
    verdict:
      'Its logits are about T times larger, the softmax saturates and the cross-entropy\'s gradient underflows to zero: cross-entropy attacks stall. The margin between logits still has a gradient, and an attack on it breaks the model as easily as an undefended one.',
    cost: 'A second training run; clean accuracy about the teacher\'s.',
    reference: 'Papernot et al. 2016; broken by Carlini & Wagner 2016/2017',
    setting: null,
  },
  {
    id: 'smoothing',
    name: 'Randomized smoothing',
    kind: 'certified',
    naive: '—',
    adaptive: 'PGD-L2 with EOT over the noise on the soft smoothed classifier',
    what: 'Predicts the class the model gives most often under Gaussian noise of width σ (a majority vote over many draws).',
    verdict:
      'A guarantee, not a hope: with probability at least 1 − α, no L2 perturbation smaller than the certified radius σ·Φ⁻¹(p̲A) changes the smoothed prediction — against any attack. It abstains where the vote is too close.',
    cost: 'Thousands of forward passes per certified image; clean accuracy falls as σ grows; the guarantee covers only L2 balls, and only up to the radius the draws can support.',
    reference: 'Cohen, Rosenfeld & Kolter 2019; attack: Salman et al. 2019',
    setting: { key: 'sigma', label: 'σ', min: 0.1, max: 1, step: 0.05, default: 0.25 },
  },
];

/** A defense's setting as a number field: the panel's box, the address (dval) and the worker accept the same values. */
export function settingField(s: DefenseSetting): NumberField {
  return { label: s.label.charAt(0).toUpperCase() + s.label.slice(1), min: s.min, max: s.max, integer: Number.isInteger(s.step) && Number.isInteger(s.min) };
}

export function defenseInfo(id: string): DefenseInfo {
  const d = DEFENSES.find((x) => x.id === id);
  if (!d) throw new ValidationError('Defense', `The defense must be one of ${DEFENSES.map((x) => x.id).join(', ')}; got ${describeGiven(id)}.`);
  return d;
}

/** The gap between the naive and the adaptive robust accuracy, in plain words. */
export function describeGap(naive: number, adaptive: number, epsilon: number): string {
  const pts = Math.round(100 * (naive - adaptive));
  const eps = `ε = ${+epsilon.toPrecision(3)}`;
  if (pts >= 20) return `At ${eps} the naive attack reports ${pts} points more robust accuracy than the adaptive one: most of the apparent robustness is gradient masking, not robustness.`;
  if (pts >= 5) return `At ${eps} the adaptive attack finds ${pts} points more adversarial examples than the naive one: part of the apparent robustness was masking.`;
  if (pts <= -5) return `At ${eps} the naive attack did better than the adaptive one by ${-pts} points; report the lower of the two.`;
  if (adaptive >= 0.5) return `At ${eps} the defense holds under the adaptive attack too (${Math.round(100 * adaptive)} % robust) — with the caveat that a stronger adaptive attack may exist.`;
  return `At ${eps} naive and adaptive attacks agree (within ${Math.abs(pts)} points): nothing was masked, and the defense does not hold.`;
}
