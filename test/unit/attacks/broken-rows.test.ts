/**
 * Rows broken at an earlier step keep their first successful iterate, so the loop stops stepping them: the result
 * must be the same bits as the loop that steps every row to the end (fixed shapes keep the whole batch), with fewer
 * rows through the model, and the progress report stays over the whole batch.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { pgd } from '../../../src/lib/attacks/pgd';
import { observedModel, layersModelAsAttackModel } from '../../../src/lib/attacks/model-adapter';
import { buildModel } from '../../../src/lib/models/architectures';
import type { AttackModel, AttackOptions, StepInfo } from '../../../src/lib/attacks/types';
import { convModel, ownLabels, seededUniform } from './fixtures';

function rowCounting(model: AttackModel) {
  const seen = { rows: 0 };
  return { wrapped: observedModel(model, (x) => void (seen.rows += x.shape[0])), seen };
}

describe('broken rows leave the working batch (wasm)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  const models: [string, () => AttackModel][] = [
    ['a conv model on autodiff', () => convModel(4, 71)],
    [
      'a layers CNN on the tape-free pass',
      () => layersModelAsAttackModel(buildModel({ kind: 'cnn', inputShape: [6, 6, 1], conv: [{ filters: 4, kernel: 3, stride: 2, pool: 0 }], dense: [8], numClasses: 4 }, 72)),
    ],
  ];
  for (const [name, make] of models) {
    it(`${name}: the same adversarials, predictions and successes, fewer rows evaluated, no tensor left`, async () => {
      const model = make();
      const x = seededUniform([40, 6, 6, 1], 73);
      const labels = await ownLabels(model, x);
      // A target class the model rarely predicts, so most rows have somewhere to go.
      const counts = [0, 1, 2, 3].map((c) => labels.filter((l) => l === c).length);
      const target = counts.indexOf(Math.min(...counts));
      for (const [opts, what] of [
        [{ epsilons: [0.15], steps: 12, randomStart: true, seed: 3 }, 'untargeted'],
        [{ epsilons: [0.25], steps: 12, targeted: true, target: { mode: 'given', label: target }, seed: 4 }, 'targeted'],
      ] as [AttackOptions, string][]) {
        const a = rowCounting(model);
        const b = rowCounting(model);
        const before = tf.memory().numTensors;
        const leanSteps: StepInfo[] = [];
        const fullSteps: StepInfo[] = [];
        const lean = await pgd.run(a.wrapped, x, labels, { ...opts, onStep: (s) => leanSteps.push(s) });
        const full = await pgd.run(b.wrapped, x, labels, { ...opts, fixedShapes: true, onStep: (s) => fullSteps.push(s) });
        const [l, f] = [lean.results[0], full.results[0]];
        const rate = l.success.reduce((s, v) => s + v, 0) / l.success.length;
        expect(rate, what).toBeGreaterThan(0.3); // enough rows break early for the working batch to shrink
        expect(Array.from(await l.adversarial.data()), what).toEqual(Array.from(await f.adversarial.data()));
        expect(Array.from(l.predicted), what).toEqual(Array.from(f.predicted));
        expect(Array.from(l.success), what).toEqual(Array.from(f.success));
        expect(a.seen.rows, what).toBeLessThan(b.seen.rows);
        // Both reports cover every row, a broken row at its first success: the same figures step by step, and the
        // last step's success rate is the share of rows broken.
        expect(leanSteps, what).toEqual(fullSteps);
        expect(leanSteps[leanSteps.length - 1].successRate, what).toBeCloseTo(rate, 6);
        tf.dispose([l.adversarial, f.adversarial]);
        expect(tf.memory().numTensors, what).toBe(before);
      }
      x.dispose();
    });
  }
});
