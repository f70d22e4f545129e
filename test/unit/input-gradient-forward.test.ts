import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { compileDirectForward, compileInputGradientForward, compileInputGradientPass, DerivedWeights } from '../../src/lib/models/input-gradient-forward';
import { buildModel } from '../../src/lib/models/architectures';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { createRng } from '../../src/lib/util/rng';

function uniform(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next()), shape);
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [av, bv] = await Promise.all([a.data(), b.data()]);
  let m = 0;
  for (let i = 0; i < av.length; i++) m = Math.max(m, Math.abs(av[i] - bv[i]));
  return m;
}

const nets = {
  'strided cnn (mnist-cnn)': () =>
    buildModel({ kind: 'cnn', inputShape: [28, 28, 1], conv: [{ filters: 16, kernel: 4, stride: 2, pool: 0 }, { filters: 32, kernel: 4, stride: 2, pool: 0 }], dense: [100], numClasses: 10 }, 3),
  'cnn with max-pooling': () =>
    buildModel({ kind: 'cnn', inputShape: [12, 12, 1], conv: [{ filters: 4, kernel: 3, stride: 1, pool: 2 }], dense: [8], numClasses: 3 }, 4),
  'tanh mlp': () => buildModel({ kind: 'mlp', inputSize: 2, hidden: [16, 16], activation: 'tanh', numClasses: 3 }, 5),
  'strided cnn with batch norm (signs-cnn)': () => {
    const model = buildModel(
      { kind: 'cnn', inputShape: [8, 8, 3], conv: [{ filters: 4, kernel: 3, stride: 2, pool: 0, batchNorm: true }, { filters: 5, kernel: 3, stride: 2, pool: 0, batchNorm: true }], dense: [6], numClasses: 3 },
      6,
    );
    // A fresh norm is nearly the identity (γ 1, β 0, mean 0, var 1): give every statistic its own value, so a
    // forward that mixed up γ, β, mean and variance, or ignored one, would differ.
    let seed = 20;
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      const [gamma, beta, mean, variance] = layer.getWeights().map((w) => w.shape);
      layer.setWeights([
        tf.tidy(() => uniform(gamma, seed++).mul(1.5).add(0.25)),
        tf.tidy(() => uniform(beta, seed++).sub(0.5)),
        tf.tidy(() => uniform(mean, seed++).sub(0.3)),
        tf.tidy(() => uniform(variance, seed++).mul(2).add(0.1)),
      ]);
    }
    return model;
  },
};

describe('plain-op forward for input gradients', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  for (const [name, make] of Object.entries(nets)) {
    it(`${name}: same logits and same ∂loss/∂x as model.apply`, async () => {
      const model = make();
      const forward = compileInputGradientForward(model);
      expect(forward).not.toBeNull();
      const x = uniform([5, ...(model.inputs[0].shape.slice(1) as number[])], 1);
      const weights = uniform([5, model.outputs[0].shape[1] as number], 2);
      const viaApply = (xi: tf.Tensor) => tf.sum(tf.mul(model.apply(xi, { training: false }) as tf.Tensor, weights));
      const viaPlain = (xi: tf.Tensor) => tf.sum(tf.mul(forward!(xi), weights));
      const [za, zp] = [model.apply(x) as tf.Tensor, forward!(x)];
      expect(await maxAbsDiff(za, zp)).toBeLessThan(1e-5);
      const [ga, gp] = [tf.grad(viaApply)(x), tf.grad(viaPlain)(x)];
      expect(await maxAbsDiff(ga, gp)).toBeLessThan(1e-5);
      tf.dispose([x, weights, za, zp, ga, gp]);
      model.dispose();
    });
  }

  it('reads the current weights on every call (a model trained in place is attacked as it is now)', async () => {
    const model = nets['tanh mlp']();
    const attackModel = layersModelAsAttackModel(model, [-Infinity, Infinity]);
    const x = uniform([4, 2], 3);
    const before = tf.grad((xi: tf.Tensor) => tf.sum(attackModel.logits(xi)))(x);
    model.setWeights(model.getWeights().map((w) => tf.mul(w, 2)));
    const after = tf.grad((xi: tf.Tensor) => tf.sum(attackModel.logits(xi)))(x);
    const reference = tf.grad((xi: tf.Tensor) => tf.sum(model.apply(xi) as tf.Tensor))(x);
    expect(await maxAbsDiff(after, reference)).toBeLessThan(1e-5);
    expect(await maxAbsDiff(before, after)).toBeGreaterThan(1e-3);
    tf.dispose([x, before, after, reference]);
    model.dispose();
  });

  it('computes no weight gradient under tf.grad over the input', async () => {
    const model = nets['strided cnn (mnist-cnn)']();
    const forward = compileInputGradientForward(model)!;
    const x = uniform([2, 28, 28, 1], 4);
    const kernels: string[] = [];
    const profile = await tf.profile(() => tf.grad((xi: tf.Tensor) => tf.sum(forward(xi)))(x));
    for (const k of profile.kernels) kernels.push(k.name);
    expect(kernels).not.toContain('Conv2DBackpropFilter');
    expect(kernels).toContain('Conv2DBackpropInput');
    tf.dispose(x);
    model.dispose();
  });

  it('returns null for a topology it does not cover', () => {
    const input = tf.input({ shape: [4] });
    const a = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor });
    expect(compileInputGradientForward(model)).toBeNull();
    model.dispose();
  });

  // The written-out backward (no tape) against autodiff of model.apply, for every layer kind it covers; the
  // max-pooling net is outside it (null: callers keep tf.grad).
  const passNets = {
    ...nets,
    'cnn, valid padding, linear conv and a tanh dense': () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'valid', useBias: true }));
      m.add(tf.layers.activation({ activation: 'relu' }));
      m.add(tf.layers.conv2d({ filters: 4, kernelSize: 2, strides: 1, padding: 'same', activation: 'sigmoid', useBias: false }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 6, activation: 'tanh' }));
      m.add(tf.layers.dense({ units: 3 }));
      return m;
    },
  };
  for (const [name, make] of Object.entries(passNets)) {
    it(`${name}: the tape-free pass gives the logits and ∂loss/∂x of model.apply`, async () => {
      const model = make();
      const pass = compileInputGradientPass(model);
      if (name === 'cnn with max-pooling') {
        expect(pass).toBeNull();
        model.dispose();
        return;
      }
      expect(pass).not.toBeNull();
      const x = uniform([5, ...(model.inputs[0].shape.slice(1) as number[])], 11);
      const weights = uniform([5, model.outputs[0].shape[1] as number], 12);
      const before = tf.memory().numTensors;
      const { logits, grad } = pass!(x, () => weights.clone());
      expect(tf.memory().numTensors - before).toBe(2); // only the two results stay
      const za = model.apply(x) as tf.Tensor;
      const ga = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(model.apply(xi, { training: false }) as tf.Tensor, weights)))(x);
      expect(await maxAbsDiff(za, logits)).toBeLessThan(1e-5);
      // Inference through the same direct kernels (what the attack adapter runs without a tape).
      const direct = compileDirectForward(model)!(x);
      expect(await maxAbsDiff(za, direct)).toBeLessThan(1e-5);
      direct.dispose();
      expect(grad.shape).toEqual(x.shape);
      expect(await maxAbsDiff(ga, grad)).toBeLessThan(1e-5);
      expect(await maxAbsDiff(ga, tf.zerosLike(ga))).toBeGreaterThan(1e-4); // not trivially zero
      tf.dispose([x, weights, za, ga, logits, grad]);
      model.dispose();
    });
  }

  it('with a run cache of transposed weights: the same ∂loss/∂x, remade after the weights change, nothing left after dispose', async () => {
    const model = passNets['strided cnn (mnist-cnn)']();
    const pass = compileInputGradientPass(model)!;
    const x = uniform([3, 28, 28, 1], 21);
    const upstream = uniform([3, 10], 22);
    const before = tf.memory().numTensors;
    const derived = new DerivedWeights();
    const plain = pass(x, () => upstream.clone());
    const cached = [pass(x, () => upstream.clone(), derived), pass(x, () => upstream.clone(), derived)];
    for (const c of cached) expect(await maxAbsDiff(plain.grad, c.grad)).toBeLessThan(1e-6);
    // The dense kernels' transposes and rank-3 views (2 × 2) are all the cache holds, however many steps used it.
    expect(tf.memory().numTensors - before).toBe(2 * 3 + 4);
    // Training in place between runs changes the weights' data: the cache must not serve the old transpose.
    const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
    const kernel = dense[0].getWeights()[0];
    const doubled = tf.mul(kernel, 2);
    dense[0].setWeights([doubled, dense[0].getWeights()[1]]);
    doubled.dispose();
    const plain2 = pass(x, () => upstream.clone());
    const cached2 = pass(x, () => upstream.clone(), derived);
    expect(await maxAbsDiff(plain.grad, plain2.grad)).toBeGreaterThan(1e-4);
    expect(await maxAbsDiff(plain2.grad, cached2.grad)).toBeLessThan(1e-6);
    derived.dispose();
    tf.dispose([plain.logits, plain.grad, plain2.logits, plain2.grad, cached2.logits, cached2.grad, ...cached.flatMap((c) => [c.logits, c.grad])]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, upstream]);
    model.dispose();
  });
});
