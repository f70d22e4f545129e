/**
 * Can adversarial training open a margin on a toy set? (issue 17: the robust MLP should beat its standard twin by
 * ≥ 20 points of robust accuracy at its ε.) Trains the standard MLP and the PGD-AT one (10 steps, α = ε/4, highest-
 * loss iterate, ε ramped over 30 %) with the zoo's toy settings (Adam 0.01, cosine, batch 100, the same number of
 * examples seen as 100 epochs of 1 000 points) on one variant of a toy set, and prints both models' clean and
 * PGD-50×3 accuracy at ε on 1 000 fresh test points (the cards' evaluation). For trying data/ε choices before a
 * recipe changes; the shipped pairs are trained by `npm run train`.
 *
 * `npx tsx scripts/bench/toy-margin.ts <dataset> <classes> <noise> <trainPoints> <evalEps> <trainEps> <hidden, e.g. 32x32> [dataSeed] [gap] [imbalance]`
 * evalEps may be a comma-separated list (each twin is trained once and judged at each). gap: the empty band between
 * the classes (xor, circles); imbalance: first class : last class (src/lib/data/toy.ts); "-" or absent: the default.
 * TOY_OPTIMIZER=sgd trains both twins with SGD (momentum 0.9) instead of Adam, TOY_LR sets the learning rate.
 */
import { initNodeBackend } from '../../src/lib/backend/node';
import { buildModel } from '../../src/lib/models/architectures';
import { trainModel } from '../../src/lib/train/train';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { getAttack } from '../../src/lib/attacks/registry';
import { robustAccuracy } from '../../src/lib/eval/robust-accuracy';
import { makeToySplit, TOY_DATASET_IDS, type ToyDatasetId } from '../../src/lib/data/toy';
import { arrayExamples } from '../../src/lib/data/examples';

const [dataset, classes, noise, n, eps, trainEps, hidden, dataSeed, gap, imbalance] = process.argv.slice(2);
if (!hidden || !(TOY_DATASET_IDS as readonly string[]).includes(dataset)) {
  console.error('usage: npx tsx scripts/bench/toy-margin.ts <dataset> <classes> <noise> <trainPoints> <evalEps> <trainEps> <hidden, e.g. 32x32> [dataSeed] [gap] [imbalance]');
  process.exit(2);
}
await initNodeBackend('wasm');
const given = (v: string | undefined) => (v === undefined || v === '-' ? undefined : +v);
const evalEps = eps.split(',').map(Number);
const { train, test } = makeToySplit(dataset as ToyDatasetId, {
  n: +n,
  nTest: 1000,
  noise: +noise,
  seed: +(dataSeed ?? 101),
  classes: +classes,
  gap: given(gap),
  imbalance: given(imbalance),
});
const trainSet = arrayExamples(train.x, train.y, [2], train.numClasses);
const testSet = arrayExamples(test.x, test.y, [2], test.numClasses);
const bounds: [number, number] = [train.bounds[0][0], train.bounds[0][1]];
const architecture = { kind: 'mlp' as const, inputSize: 2, hidden: hidden.split('x').map(Number), activation: 'relu' as const, numClasses: +classes };
const optimizer = process.env.TOY_OPTIMIZER === 'sgd' ? ('sgd' as const) : ('adam' as const);
const common = {
  epochs: Math.round((100 * 1000) / +n),
  batchSize: Math.min(100, +n),
  optimizer,
  ...(optimizer === 'sgd' ? { momentum: 0.9 } : {}),
  learningRate: Number(process.env.TOY_LR ?? 0.01),
  schedule: { kind: 'cosine' as const },
  bounds,
  seed: 201,
};
const rows: string[] = [];
for (const method of ['standard', 'pgd'] as const) {
  const model = buildModel(architecture, 201);
  const e = +trainEps;
  await trainModel(
    model,
    trainSet,
    method === 'standard' ? { method, ...common } : { method, ...common, epsilon: e, epsilonRamp: { rampFraction: 0.3 }, attackSteps: 10, stepSize: e / 4, maximizeLoss: true },
  );
  const r = await robustAccuracy(layersModelAsAttackModel(model, bounds), testSet, getAttack('pgd'), { epsilons: [0, ...evalEps], steps: 50, restarts: 3, randomStart: true, n: 1000, seed: 0 });
  const robust = evalEps.map((e, i) => `${e}: ${(100 * r.points[i + 1].robust_accuracy).toFixed(1)} %`).join(', ');
  rows.push(`${method} clean ${(100 * r.points[0].robust_accuracy).toFixed(1)} % robust ${robust}`);
  model.dispose();
}
console.log(`${process.argv.slice(2).join(' ')}: ${rows.join(' | ')}`);
