import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { getAttack } from '../../src/lib/attacks/registry';
import {
  attackDirection,
  boundaryDistance,
  evaluateSlice,
  gradientSignDirection,
  linfBallSlice,
  makeSlicePlane,
  planePoint,
} from '../../src/lib/boundary/slice';
import { gridPoints } from '../../src/lib/boundary/grid';
import type { AttackModel } from '../../src/lib/attacks/types';
import { createRng } from '../../src/lib/util/rng';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const SHAPE = [6, 6, 1];
const DIM = 36;

/** A linear two-class image model z = [0, w·x + c]: the analytic truth for directions and distances. */
function linearModel(seed: number): { model: AttackModel; w: Float32Array; c: number; dispose: () => void } {
  const rng = createRng(seed);
  const w = Float32Array.from({ length: DIM }, () => rng.normal());
  const c = -0.3;
  const wt = tf.tensor2d(w, [DIM, 1]);
  const model: AttackModel = {
    logits: (x) => tf.tidy(() => {
      const z = tf.add(tf.matMul(tf.reshape(x, [-1, DIM]), wt), c);
      return tf.concat([tf.zerosLike(z), z], 1) as tf.Tensor2D;
    }),
    numClasses: 2,
    inputShape: SHAPE,
    bounds: [0, 1],
  };
  return { model, w, c, dispose: () => wt.dispose() };
}

function image(seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: DIM }, () => rng.uniform(0.3, 0.7));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
const linf = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

describe('image-space slices', () => {
  it('the plane has an orthonormal basis and axes in L∞ ε units', () => {
    const x = image(1);
    const direction = Float32Array.from({ length: DIM }, (_, i) => (i % 3 === 0 ? 1 : -1));
    const plane = makeSlicePlane(x, direction, SHAPE, 7);
    expect(dot(plane.u, plane.u)).toBeCloseTo(1, 5);
    expect(dot(plane.v, plane.v)).toBeCloseTo(1, 5);
    expect(Math.abs(dot(plane.u, plane.v))).toBeLessThan(1e-5);
    // u points along the given direction.
    expect(dot(plane.u, direction) / Math.sqrt(dot(direction, direction))).toBeCloseTo(1, 5);
    expect(linf(plane.uAxis)).toBeCloseTo(1, 6);
    expect(linf(plane.vAxis)).toBeCloseTo(1, 6);
    // A step of a along an axis moves no pixel by more than a, and some pixel by exactly a.
    const p = planePoint(plane, 0.1, 0);
    expect(linf(p.map((v, i) => v - x[i]))).toBeCloseTo(0.1, 6);
    const q = planePoint(plane, 0, 0.05);
    expect(linf(q.map((v, i) => v - x[i]))).toBeCloseTo(0.05, 6);
    // Seeded: the same seed gives the same plane, another seed another random direction.
    expect(makeSlicePlane(x, direction, SHAPE, 7).v).toEqual(plane.v);
    expect(makeSlicePlane(x, direction, SHAPE, 8).v).not.toEqual(plane.v);
    expect(() => makeSlicePlane(x, new Float32Array(DIM), SHAPE, 1)).toThrow(/direction/);
  });

  it('the gradient-sign direction of a linear model is sign(w) away from the true class', async () => {
    const { model, w, dispose } = linearModel(3);
    const x = image(2);
    // Label 0: the loss grows along +w (towards class 1); label 1: along −w.
    expect(Array.from(await gradientSignDirection(model, x, 0))).toEqual(Array.from(w, Math.sign));
    expect(Array.from(await gradientSignDirection(model, x, 1))).toEqual(Array.from(w, (v) => -Math.sign(v)));
    dispose();
  });

  it('the PGD direction of a linear model is the corner of the ε-box along ∓sign(w) when ε is too small to flip it', async () => {
    const { model, w, c, dispose } = linearModel(12);
    const x = image(13);
    const z = dot(w, x) + c;
    const label = z > 0 ? 1 : 0;
    const l1 = Array.from(w).reduce((sum, v) => sum + Math.abs(v), 0);
    const eps = (0.5 * Math.abs(z)) / l1; // half the distance to the boundary: PGD walks to the corner and stays there
    const delta = await attackDirection(model, getAttack('pgd'), x, label, eps, { steps: 20, seed: 1 });
    const away = label === 0 ? 1 : -1;
    for (let i = 0; i < DIM; i++) expect(delta[i]).toBeCloseTo(away * eps * Math.sign(w[i]), 5);
    dispose();
  });

  it('the slice grid matches direct evaluation of the (clipped) plane points and leaks no tensors', async () => {
    const { model, dispose } = linearModel(4);
    const x = image(5);
    const plane = makeSlicePlane(x, await gradientSignDirection(model, x, 0), SHAPE, 11);
    const opts = { extent: 0.5, resolution: 12, bounds: [0, 1] as [number, number], numClasses: 2, batchSize: 40 };
    const grid = await evaluateSlice(model.logits, plane, opts);
    const before = tf.memory().numTensors;
    await evaluateSlice(model.logits, plane, opts);
    expect(tf.memory().numTensors).toBe(before);
    const coords = gridPoints([[-0.5, 0.5], [-0.5, 0.5]], 12);
    for (const cell of [0, 11, 50, 119, 120, 143]) {
      const point = planePoint(plane, coords[2 * cell], coords[2 * cell + 1]).map((v) => Math.min(1, Math.max(0, v)));
      const direct = tf.tidy(() => tf.softmax(model.logits(tf.tensor(point, [1, ...SHAPE]))));
      const probs = (await direct.data()) as Float32Array;
      direct.dispose();
      expect(grid.probs[2 * cell + 1]).toBeCloseTo(probs[1], 5);
    }
    dispose();
  });

  it('the L∞ ε-ball slice is the exact polygon |a·ũᵢ + b·ṽᵢ| ≤ ε', () => {
    const x = image(6);
    const rng = createRng(9);
    const plane = makeSlicePlane(x, Float32Array.from({ length: DIM }, () => rng.normal()), SHAPE, 3);
    const eps = 0.2;
    const poly = linfBallSlice(plane, eps);
    expect(poly.length).toBeGreaterThanOrEqual(4);
    const size = (a: number, b: number) => linf(plane.uAxis.map((u, i) => a * u + b * plane.vAxis[i]));
    // Every vertex lies on the ball's surface.
    for (const [a, b] of poly) expect(size(a, b)).toBeCloseTo(eps, 5);
    // The axis points (±ε, 0) and (0, ±ε) are on the surface too (the axes are in ε units).
    const inside = (a: number, b: number) => {
      let sign = 0;
      for (let i = 0; i < poly.length; i++) {
        const [x0, y0] = poly[i];
        const [x1, y1] = poly[(i + 1) % poly.length];
        const cross = (x1 - x0) * (b - y0) - (y1 - y0) * (a - x0);
        if (Math.abs(cross) < 1e-9) continue;
        if (sign === 0) sign = Math.sign(cross);
        else if (Math.sign(cross) !== sign) return false;
      }
      return true;
    };
    expect(inside(0.99 * eps, 0)).toBe(true);
    expect(inside(1.01 * eps, 0)).toBe(false);
    expect(inside(0, -0.99 * eps)).toBe(true);
    expect(inside(0, -1.01 * eps)).toBe(false);
  });

  it('the distance to the boundary along sign(∇) is margin / ‖w‖₁ for a linear model', async () => {
    const { model, w, c, dispose } = linearModel(8);
    // Pick an image of class 0 (w·x + c < 0) so the distance is positive.
    let x = image(10);
    if (dot(w, x) + c >= 0) x = x.map((v, i) => (w[i] > 0 ? 0.3 : 0.7)) as Float32Array;
    const margin = -(dot(w, x) + c);
    expect(margin).toBeGreaterThan(0);
    const axis = await gradientSignDirection(model, x, 0);
    const l1 = Array.from(w).reduce((s, v) => s + Math.abs(v), 0);
    const expected = margin / l1;
    const samples = 400;
    const maxDistance = 4 * expected;
    const d = await boundaryDistance(model.logits, x, 0, axis, {
      maxDistance, samples, inputShape: SHAPE, numClasses: 2, bounds: [-10, 10],
    });
    expect(d).toBeGreaterThanOrEqual(expected - 1e-6);
    expect(d).toBeLessThanOrEqual(expected + maxDistance / samples + 1e-6);
    expect(await boundaryDistance(model.logits, x, 1, axis, { maxDistance, samples: 10, inputShape: SHAPE, numClasses: 2, bounds: [-10, 10] })).toBe(0);
    expect(await boundaryDistance(model.logits, x, 0, axis.map((v) => -v), { maxDistance, samples: 10, inputShape: SHAPE, numClasses: 2, bounds: [-10, 10] })).toBe(Infinity);
    dispose();
  });
});
