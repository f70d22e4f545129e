/**
 * The glossary: every term the playground uses, explained once in plain words, with where it comes from.
 * Every tooltip (<Term>) and the lessons read from here, so a word means the same thing on every panel.
 * Plain data, tfjs-free. The page loads it on the first hover or focus of a term (Term.svelte); the ids it must
 * cover are in term-ids.ts.
 */
import type { TermId } from './term-ids';

export interface GlossaryEntry {
  /** The term as people write it. */
  term: string;
  /** One or two sentences a workshop attendee understands without background. */
  plain: string;
  /** Where the idea comes from (paper, year), for those who want to read on. */
  reference?: string;
}

export const GLOSSARY = {
  'adversarial-example': {
    term: 'adversarial example',
    plain: 'An input changed on purpose, by an amount too small to matter to a person, so that the model gives a wrong answer.',
    reference: 'Szegedy et al., “Intriguing properties of neural networks”, 2014',
  },
  epsilon: {
    term: 'ε (epsilon)',
    plain: 'The budget: how far the attacker may move the input, measured in the chosen norm. Pixel values run from 0 to 1, so ε = 0.3 in L∞ lets every pixel move by up to 0.3 (77 of 255 grey levels).',
  },
  delta: {
    term: 'δ (perturbation)',
    plain: 'The change the attack adds to the input: adversarial = original + δ. Shown amplified on a blue–white–red map: blue darkens a pixel, red brightens it.',
  },
  linf: {
    term: 'L∞ norm',
    plain: 'The largest change made to any single pixel. An L∞ budget ε lets every pixel move a little, at most ε each.',
  },
  l2: {
    term: 'L2 norm',
    plain: 'The length of the whole change, the square root of the sum of squared pixel changes. An L2 budget allows a few large changes or many small ones.',
  },
  l0: {
    term: 'L0 “norm”',
    plain: 'How many pixel values were changed at all, however much. An L0 budget of 10 lets the attacker change ten values.',
  },
  'delta-norms': {
    term: '‖δ‖∞, ‖δ‖₂, ‖δ‖₀',
    plain: 'The size of this perturbation measured three ways: the largest single-pixel change, the overall length, and the number of changed values.',
  },
  'robust-accuracy': {
    term: 'robust accuracy',
    plain: 'The share of test images the model still gets right when an attacker may change each one within the budget ε. It is only as trustworthy as the strongest attack tried.',
    reference: 'Carlini et al., “On Evaluating Adversarial Robustness”, 2019',
  },
  'clean-accuracy': {
    term: 'clean accuracy',
    plain: 'The share of unmodified test images the model gets right. Always report it next to robust accuracy: robustness often costs some of it.',
  },
  'worst-case': {
    term: 'per-example worst case',
    plain: 'An image counts as robust only if it survives every attack tried; the figure to quote is the accuracy under this worst case, not under the best single attack.',
    reference: 'Croce & Hein, AutoAttack, 2020',
  },
  'white-box': {
    term: 'white-box attack',
    plain: 'The attacker knows the model completely and uses its gradients: how each pixel change moves the output.',
  },
  'black-box': {
    term: 'black-box attack',
    plain: 'The attacker only sees the model’s answers (scores or labels), never its inside, and pays in queries.',
  },
  transfer: {
    term: 'transfer attack',
    plain: 'An adversarial example made on one model (a surrogate) and tried on another. It often fools the second one too.',
    reference: 'Papernot et al., “Transferability in Machine Learning”, 2016',
  },
  targeted: {
    term: 'targeted attack',
    plain: 'The attacker chooses the wrong answer it wants (turn this 7 into a 3), rather than any wrong answer.',
  },
  restarts: {
    term: 'random restarts',
    plain: 'Run the attack several times from different random starting points and keep the worst case for the model. One run can get stuck; more runs find more adversarial examples.',
  },
  fgsm: {
    term: 'FGSM',
    plain: 'Fast Gradient Sign Method: one step of size ε in the direction that increases the loss fastest. Quick, and weak against defended models.',
    reference: 'Goodfellow, Shlens & Szegedy, 2015',
  },
  bim: {
    term: 'BIM',
    plain: 'Basic Iterative Method: FGSM repeated in small steps, each time clipped back into the budget.',
    reference: 'Kurakin, Goodfellow & Bengio, 2017',
  },
  pgd: {
    term: 'PGD',
    plain: 'Projected Gradient Descent: many small gradient steps from a random start inside the budget, each projected back onto it. The standard strong first-order attack.',
    reference: 'Madry et al., “Towards Deep Learning Models Resistant to Adversarial Attacks”, 2018',
  },
  'pgd-l2': {
    term: 'PGD-L2',
    plain: 'PGD with an L2 budget: steps along the gradient direction, projected back onto the L2 ball of radius ε.',
    reference: 'Madry et al., 2018',
  },
  mifgsm: {
    term: 'MI-FGSM',
    plain: 'Iterative FGSM with momentum: the steps keep part of the previous direction, which escapes poor local optima and transfers better to other models.',
    reference: 'Dong et al., 2018',
  },
  'apgd-ce': {
    term: 'APGD-CE',
    plain: 'Auto-PGD on the cross-entropy loss: PGD that adapts its own step size, so no step size has to be tuned. Part of AutoAttack.',
    reference: 'Croce & Hein, 2020',
  },
  'apgd-dlr': {
    term: 'APGD-DLR',
    plain: 'Auto-PGD on the difference-of-logits-ratio loss, which does not care how the logits are scaled — so a model cannot hide behind a saturated softmax.',
    reference: 'Croce & Hein, 2020',
  },
  'apgd-t': {
    term: 'APGD-T',
    plain: 'Targeted Auto-PGD with the DLR loss, tried towards each of the most likely wrong classes in turn.',
    reference: 'Croce & Hein, 2020',
  },
  'fab-t': {
    term: 'FAB-T',
    plain: 'Fast Adaptive Boundary, targeted: walks to the nearest point of the decision boundary, then shrinks the change. Finds small perturbations.',
    reference: 'Croce & Hein, 2020',
  },
  autoattack: {
    term: 'AutoAttack',
    plain: 'A fixed suite of four complementary attacks (APGD-CE, APGD-T, FAB-T, Square) run per image as a worst case, with no parameters to tune. The reference evaluation of the field.',
    reference: 'Croce & Hein, “Reliable evaluation of adversarial robustness…”, 2020',
  },
  'cw-l2': {
    term: 'Carlini–Wagner L2',
    plain: 'An optimisation that looks for the smallest L2 change that flips the answer, using a loss on the logits (not the softmax).',
    reference: 'Carlini & Wagner, 2017',
  },
  deepfool: {
    term: 'DeepFool',
    plain: 'Treats the model as locally linear and steps straight to the nearest decision boundary, repeating until the label flips. Finds near-minimal changes.',
    reference: 'Moosavi-Dezfooli et al., 2016',
  },
  jsma: {
    term: 'JSMA',
    plain: 'Jacobian Saliency Map Attack: changes the few pixels that matter most for the target class, one pair at a time (an L0 attack).',
    reference: 'Papernot et al., 2016',
  },
  square: {
    term: 'Square attack',
    plain: 'A black-box attack that only queries the model’s scores: it tries random square-shaped changes and keeps those that lower the correct class’s margin.',
    reference: 'Andriushchenko et al., 2020',
  },
  noise: {
    term: 'random noise',
    plain: 'Random changes within the budget, not aimed at anything. A baseline: a real attack should do much better.',
  },
  ensemble: {
    term: 'attack ensemble',
    plain: 'Several attacks run on each image; the image counts as broken if any of them breaks it.',
  },
  sticker: {
    term: 'sticker attack',
    plain: 'A change confined to a few patches on the object, free in colour, optimised to keep working when the object is seen from other angles and in other light — like stickers on a real stop sign.',
    reference: 'Eykholt et al., “Robust Physical-World Attacks”, 2018; Brown et al., “Adversarial Patch”, 2017',
  },
  'adversarial-training': {
    term: 'adversarial training',
    plain: 'Training on adversarial examples made on the fly, so the model learns to resist them. The one empirical defense that has held up.',
    reference: 'Madry et al., 2018',
  },
  'fgsm-rs': {
    term: 'FGSM-RS',
    plain: 'Fast adversarial training: one FGSM step from a random start per batch. Cheap, but at large ε it can suddenly collapse (catastrophic overfitting).',
    reference: 'Wong, Rice & Kolter, “Fast is better than free”, 2020',
  },
  'n-fgsm': {
    term: 'N-FGSM',
    plain: 'Single-step adversarial training with stronger noise (2ε) and no clipping back to the budget; it avoids catastrophic overfitting at the cost of one step.',
    reference: 'de Jorge et al., “Make Some Noise”, 2022',
  },
  'pgd-at': {
    term: 'PGD-AT',
    plain: 'Adversarial training with a multi-step PGD attack on every batch: slower, more reliable.',
    reference: 'Madry et al., 2018',
  },
  trades: {
    term: 'TRADES',
    plain: 'Training that balances being right on clean images against giving the same answer near them; β sets the balance between accuracy and robustness.',
    reference: 'Zhang et al., 2019',
  },
  'catastrophic-overfitting': {
    term: 'catastrophic overfitting',
    plain: 'During single-step adversarial training, robustness to multi-step attacks suddenly drops to near zero while robustness to the training attack stays high: the model learned to fool the one-step attack.',
    reference: 'Wong, Rice & Kolter, 2020',
  },
  'gradient-masking': {
    term: 'gradient masking',
    plain: 'A model whose gradients are useless (zero, noisy or saturated) defeats gradient attacks without being robust. It is not a defense: other attacks still find the adversarial examples.',
    reference: 'Athalye, Carlini & Wagner, “Obfuscated Gradients Give a False Sense of Security”, 2018',
  },
  bpda: {
    term: 'BPDA',
    plain: 'Backward Pass Differentiable Approximation: when a defense has no useful gradient (rounding, JPEG), attack through a smooth stand-in, often the identity, on the backward pass only.',
    reference: 'Athalye, Carlini & Wagner, 2018',
  },
  eot: {
    term: 'EOT',
    plain: 'Expectation over Transformation: against a randomised defense, average the gradient over many random draws, so the attack beats the randomness on average.',
    reference: 'Athalye et al., 2018',
  },
  'input-transform': {
    term: 'input-transformation defense',
    plain: 'Preprocessing the input before the model (JPEG, blurring, bit-depth reduction, noise) in the hope of washing δ out. Most fall to BPDA or EOT.',
    reference: 'Guo et al., 2018; Xie et al., 2018; broken by Athalye et al., 2018',
  },
  distillation: {
    term: 'defensive distillation',
    plain: 'A model trained at a high softmax temperature on another model’s soft answers. Its softmax saturates, which hides the gradient from cross-entropy attacks; a logit-based loss breaks it.',
    reference: 'Papernot et al., 2016; broken by Carlini & Wagner, 2017',
  },
  'randomized-smoothing': {
    term: 'randomized smoothing',
    plain: 'Answer with the class the model picks most often under Gaussian noise. Its answer provably cannot change within an L2 radius that the vote counts certify.',
    reference: 'Cohen, Rosenfeld & Kolter, 2019',
  },
  'certified-radius': {
    term: 'certified radius',
    plain: 'A guarantee, not a measurement: no change of L2 size below this radius can change the smoothed answer (with the stated confidence). Attacks only give upper bounds; certificates give lower bounds.',
    reference: 'Cohen, Rosenfeld & Kolter, 2019',
  },
  logits: {
    term: 'logits',
    plain: 'The model’s raw scores before the softmax turns them into probabilities. Attacks should work on these: a softmax output can saturate and hide the gradient.',
  },
  'decision-boundary': {
    term: 'decision boundary',
    plain: 'Where the model’s answer changes from one class to another. An adversarial example is a short trip across it.',
  },
  jpeg: {
    term: 'JPEG compression (defense)',
    plain: 'Compress the input as a JPEG picture before the model sees it, hoping the rounding washes out a small perturbation. Its rounding has no useful gradient, which hides the model from naive attacks but not from BPDA.',
    reference: 'Guo et al., “Countering Adversarial Images using Input Transformations”, 2018',
  },
  'bit-depth': {
    term: 'bit-depth reduction (defense)',
    plain: 'Round every pixel to a few grey levels before the model sees it, so changes smaller than one level vanish. A larger ε or an attack that knows about the rounding gets through.',
    reference: 'Xu, Evans & Qi, “Feature Squeezing”, 2018',
  },
  median: {
    term: 'median filter (defense)',
    plain: 'Replace each pixel by the median of its neighbours before the model sees it, removing isolated speckles of perturbation.',
    reference: 'Xu, Evans & Qi, “Feature Squeezing”, 2018',
  },
  blur: {
    term: 'blur (defense)',
    plain: 'Smooth the input with a small Gaussian blur before the model sees it. Fine-grained perturbations fade, and so do fine details of the image.',
  },
  'resize-pad': {
    term: 'random resize and pad (defense)',
    plain: 'Shrink the input by a random amount and pad it at a random place before the model sees it. Randomness stops a single gradient from being right; averaging over many draws (EOT) breaks it.',
    reference: 'Xie et al., “Mitigating Adversarial Effects Through Randomization”, 2018',
  },
  tolerance: {
    term: 'tolerance',
    plain: 'How far two computations of the same numbers may differ and still count as equal. Floating-point arithmetic in a different order rounds differently, so exact equality is not expected.',
  },
  backend: {
    term: 'backend',
    plain: 'Where the arithmetic runs: WebGPU or WebGL use the graphics card, WebAssembly and plain JavaScript the processor. Every backend should give the same numbers.',
  },
} as const satisfies Record<TermId, GlossaryEntry>;
