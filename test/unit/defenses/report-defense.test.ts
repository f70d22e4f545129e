/**
 * The robustness report on a defended model: its sanity flags must fire on a naive evaluation of a masked defense
 * and stay quiet on the adaptive one. JPEG (quality 75) in front of the shipped mnist-cnn at ε = 0.3 on the first
 * 100 test images, with a reduced suite (PGD-10, APGD-CE-10, C&W 2×10, transfer from the undefended
 * mnist-cnn, noise ×10; Square too where the attack library has it):
 * - naive gradient (autodiff through JPEG's rounding is zero): white-box attacks find almost nothing while the
 *   transfer attack (and Square), which never differentiate through JPEG, break most images → "black-box beats
 *   white-box"; PGD at ε = 0.5 does not collapse → "no collapse at large ε"; noise breaks as many images as the
 *   gradient attacks → "noise matches the attack";
 * - BPDA (identity on the backward pass): white-box attacks break what the black-box ones do → no flag fires.
 * Skipped until mnist-cnn is in the zoo.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../../../src/lib/backend/node';
import { layersModelAsAttackModel } from '../../../src/lib/attacks/model-adapter';
import type { AttackModel } from '../../../src/lib/attacks/types';
import { imageExamples } from '../../../src/lib/data/examples';
import { loadSubsetFile } from '../../../src/lib/data/node-sources';
import { defaultSuite, runReport } from '../../../src/lib/eval/report-run';
import { defendedModel } from '../../../src/lib/defenses/registry';
import { checkDefenseChoice, defenseLabel, type DefenseChoice } from '../../../src/lib/defenses/choice';
import type { RobustnessReport } from '../../../src/lib/eval/report';
import { loadModelFromFile } from '../../../src/lib/models/node';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CNN = path.join(ROOT, 'models/mnist-cnn/model.json');
const TEST_SET = path.join(ROOT, 'public/data/mnist-test.bin');
const present = existsSync(CNN) && existsSync(TEST_SET);
const N = 100;
const SETTINGS = { steps: 10, restarts: 1, apgdSteps: 10, queryBudget: 300, noiseSamples: 10, cwSearchSteps: 2, cwSteps: 10, transfer: true };

describe('defense choice', () => {
  it('checks its arguments with plain messages and names the defended model', () => {
    expect(checkDefenseChoice({ id: 'jpeg', gradient: 'bpda' }, 'defense')).toEqual({ id: 'jpeg', gradient: 'bpda', value: undefined, samples: undefined });
    expect(() => checkDefenseChoice({ id: 'smoothing', gradient: 'naive' }, 'defense')).toThrow(/defense\.id must be one of jpeg/);
    expect(() => checkDefenseChoice({ id: 'jpeg', gradient: 'magic' }, 'defense')).toThrow(/defense\.gradient/);
    expect(() => checkDefenseChoice({ id: 'jpeg', value: 200, gradient: 'naive' }, 'defense')).toThrow(/quality\) must be a number in 5–95/);
    expect(() => checkDefenseChoice(null, 'defense')).toThrow(/must be an object/);
    expect(defenseLabel({ id: 'jpeg', gradient: 'naive' })).toBe('JPEG compression, quality 75, naive gradient');
    expect(defenseLabel({ id: 'noise', value: 0.2, gradient: 'eot', samples: 8 })).toBe('Gaussian noise (random), σ 0.2, EOT ×8');
  });
});

describe('sanity flags on a defended model (mnist-cnn behind JPEG-75, ε = 0.3, wasm)', () => {
  let cnn: AttackModel;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    if (present) cnn = layersModelAsAttackModel(await loadModelFromFile(CNN));
  });

  async function report(choice: DefenseChoice): Promise<RobustnessReport> {
    const before = tf.memory().numTensors;
    const r = await runReport({
      model: { id: 'mnist-cnn', model: defendedModel(cnn, choice) },
      surrogate: { id: 'mnist-cnn (undefended)', model: cnn },
      dataset: 'mnist',
      data: imageExamples(loadSubsetFile(TEST_SET)),
      n: N,
      epsilon: 0.3,
      suite: defaultSuite(0.3, 0.5, SETTINGS),
      batchSize: N,
    });
    expect(tf.memory().numTensors).toBe(before);
    const fired = r.flags.filter((f) => f.fired).map((f) => f.id);
    console.log(`${defenseLabel(choice)}: clean ${r.cleanAccuracy}, worst case ${r.worstCase.robustAccuracy}; fired: ${fired.join(', ') || 'none'}`);
    for (const row of r.rows) console.log(`  ${row.name}: ${row.robustAccuracy}`);
    return r;
  }
  const firedIds = (r: RobustnessReport) => r.flags.filter((f) => f.fired).map((f) => f.id).sort();

  it.skipIf(!present)('naive gradients through JPEG: the masking flags fire', async () => {
    const r = await report({ id: 'jpeg', gradient: 'naive' });
    expect(r.cleanAccuracy).toBeGreaterThan(0.9);
    const row = (key: string) => r.rows.find((x) => x.key === key)!;
    // The masking itself: the gradient attacks leave almost every image standing, the transfer attack almost none.
    expect(row('pgd').robustAccuracy).toBeGreaterThan(0.85);
    expect(row('transfer').robustAccuracy).toBeLessThan(0.3);
    // Measured (seeded, wasm): PGD 99 %, Square 0 %, transfer 4 %, noise 99 % and PGD at ε = 0.5 92 % robust.
    expect(firedIds(r)).toEqual(['black-box-beats-white-box', 'no-collapse-at-large-epsilon', 'noise-matches-attack']);
  }, 600_000);

  it.skipIf(!present)('BPDA through JPEG: no flag fires', async () => {
    const r = await report({ id: 'jpeg', gradient: 'bpda' });
    expect(firedIds(r)).toEqual([]);
    expect(r.rows.find((x) => x.key === 'pgd')!.robustAccuracy).toBeLessThan(0.2);
    expect(r.flags.filter((f) => f.evaluated).length).toBeGreaterThanOrEqual(4);
  }, 600_000);
});
