import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/lib/backend/node';
import { loadUserModel, UserModelError, type UserModelSettings } from '../../src/lib/models/user-model';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const settings = (over: Partial<UserModelSettings> = {}): UserModelSettings => ({ inputRange: [0, 1], mean: [], std: [], classNames: [], ...over });

/** A layers model as the converter writes it: model.json (parsed) and its weight files by name. */
async function layersFiles(model: tf.LayersModel): Promise<{ json: object; files: Map<string, ArrayBuffer> }> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = saved as unknown as tf.io.ModelArtifacts;
  const json = { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
  return { json, files: new Map([['group1-shard1of1.bin', a.weightData as ArrayBuffer]]) };
}
const reader = (files: Map<string, ArrayBuffer>) => async (p: string) => {
  const b = files.get(p);
  if (!b) throw new Error('missing');
  return b;
};

function denseImageModel(activation: 'softmax' | 'linear', seed = 1): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 3, activation, kernelInitializer: tf.initializers.glorotNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1 }) }),
    ],
  });
}

/** A tiny graph model in the converter's format: x[-1,2] → (Round?) → MatMul W → BiasAdd b → Softmax (→ Identity?). */
function graphFiles(opts: { round?: boolean; identityAfterSoftmax?: boolean; W: number[]; b: number[] }) {
  const f = { type: 'DT_FLOAT' };
  const constant = (name: string, dims: number[]) => ({ name, op: 'Const', attr: { dtype: f, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((d) => ({ size: String(d) })) } } } } });
  const nodes: object[] = [
    { name: 'x', op: 'Placeholder', attr: { dtype: f, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } },
    constant('W', [2, 3]),
    constant('b', [3]),
  ];
  let input = 'x';
  if (opts.round) {
    nodes.push({ name: 'r', op: 'Round', input: ['x'], attr: { T: f } });
    input = 'r';
  }
  nodes.push({ name: 'mm', op: 'MatMul', input: [input, 'W'], attr: { T: f, transpose_a: { b: false }, transpose_b: { b: false } } });
  nodes.push({ name: 'ba', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: f } });
  nodes.push({ name: 'probs', op: 'Softmax', input: ['ba'], attr: { T: f } });
  if (opts.identityAfterSoftmax) nodes.push({ name: 'out', op: 'Identity', input: ['probs'], attr: { T: f } });
  const json = {
    format: 'graph-model',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'W', shape: [2, 3], dtype: 'float32' }, { name: 'b', shape: [3], dtype: 'float32' }] }],
    userDefinedMetadata: { classNames: ['red', 'green', 'blue'] },
  };
  return { json, files: new Map([['w.bin', new Float32Array([...opts.W, ...opts.b]).buffer]]) };
}

const W = [0.5, -1, 2, 1.5, 0.25, -0.75];
const B = [0.1, -0.2, 0.3];
/** x·W + b by hand. */
function affine(x: number[]): number[] {
  return [0, 1, 2].map((j) => x[0] * W[j] + x[1] * W[3 + j] + B[j]);
}

describe('bring your own model', () => {
  it('a layers model with a softmax output: noticed, and attacks get the logits under it', async () => {
    const model = denseImageModel('softmax');
    const { json, files } = await layersFiles(model);
    const loaded = await loadUserModel(json, reader(files), settings());
    expect(loaded.report).toMatchObject({ format: 'layers', kind: 'image', inputShape: [4, 4, 1], numClasses: 3, softmax: 'removed', gradients: true });
    expect(loaded.report.notes.join(' ')).toMatch(/softmax/);
    const x = tf.randomUniform([5, 4, 4, 1], 0, 1, 'float32', 9);
    const logits = loaded.attackModel.logits(x);
    // The logits are the dense layer's pre-activation: x·W + b with the model's own weights.
    const [kernel, bias] = model.layers[1].getWeights();
    const expected = tf.tidy(() => x.reshape([5, 16]).matMul(kernel).add(bias));
    expect(Array.from(await logits.data())).toEqual(Array.from(await expected.data()).map((v) => expect.closeTo(v, 5)));
    // …and their softmax is what the person's model outputs.
    const probs = model.predict(x) as tf.Tensor;
    const again = tf.softmax(logits);
    expect(Array.from(await again.data())).toEqual(Array.from(await probs.data()).map((v) => expect.closeTo(v, 5)));
    tf.dispose([x, logits, expected, probs, again]);
    loaded.dispose();
    model.dispose();
  });

  it('a separate Softmax layer is removed too; a model without softmax is used as it is', async () => {
    const withLayer = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 3 }), tf.layers.softmax()] });
    const a = await layersFiles(withLayer);
    const la = await loadUserModel(a.json, reader(a.files), settings());
    expect(la.report.softmax).toBe('removed');
    la.dispose();
    const plain = denseImageModel('linear');
    const b = await layersFiles(plain);
    const lb = await loadUserModel(b.json, reader(b.files), settings({ classNames: ['a', 'b', 'c'] }));
    expect(lb.report.softmax).toBe('none');
    expect(lb.report.notes).toEqual([]);
    lb.dispose();
    withLayer.dispose();
    plain.dispose();
  });

  it('a stated input range and normalisation are applied inside: attacks stay in [0, 1]', async () => {
    const model = denseImageModel('linear', 4);
    const { json, files } = await layersFiles(model);
    const loaded = await loadUserModel(json, reader(files), settings({ inputRange: [0, 255], mean: [127.5], std: [50] }));
    const x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 2);
    const got = loaded.attackModel.logits(x);
    const want = model.predict(x.mul(255).sub(127.5).div(50)) as tf.Tensor;
    expect(Array.from(await got.data())).toEqual(Array.from(await want.data()).map((v) => expect.closeTo(v, 4)));
    expect(loaded.attackModel.bounds).toEqual([0, 1]);
    tf.dispose([x, got, want]);
    model.dispose();
    loaded.dispose();
  });

  it('a graph model: the Softmax node is noticed, logits are x·W + b, class names come from its metadata, gradients match', async () => {
    const { json, files } = graphFiles({ W, b: B });
    const loaded = await loadUserModel(json, reader(files), settings({ inputRange: [-3, 3] }));
    expect(loaded.report).toMatchObject({ format: 'graph', kind: 'toy', inputShape: [2], numClasses: 3, softmax: 'removed', gradients: true, metadataClassNames: ['red', 'green', 'blue'] });
    const pts = [[0.3, -1.2], [2, 0.5]];
    const logits = loaded.attackModel.logits(tf.tensor2d(pts));
    expect(Array.from(await logits.data())).toEqual(pts.flatMap(affine).map((v) => expect.closeTo(v, 5)));
    // ∂ logit_0 / ∂x = (W[0][0], W[1][0]) analytically.
    const g = tf.grad((x: tf.Tensor) => loaded.attackModel.logits(x).slice([0, 0], [1, 1]).sum())(tf.tensor2d([pts[0]]));
    expect(Array.from(await g.data())).toEqual([expect.closeTo(W[0], 5), expect.closeTo(W[3], 5)]);
    expect(loaded.attackModel.bounds).toEqual([-3, 3]);
    tf.dispose([logits, g]);
    loaded.dispose();
  });

  it('probabilities with no removable softmax are turned into log-probabilities (same margins) with a note', async () => {
    const { json, files } = graphFiles({ W, b: B, identityAfterSoftmax: true });
    const loaded = await loadUserModel(json, reader(files), settings({ inputRange: [-3, 3] }));
    expect(loaded.report.softmax).toBe('log-probabilities');
    const out = await loaded.attackModel.logits(tf.tensor2d([[0.3, -1.2]])).data();
    const want = affine([0.3, -1.2]);
    // log-softmax differs from the logits by one constant per example: every difference between classes is kept.
    expect(out[1] - out[0]).toBeCloseTo(want[1] - want[0], 4);
    expect(out[2] - out[0]).toBeCloseTo(want[2] - want[0], 4);
    loaded.dispose();
  });

  it('operations without a gradient are named and white-box attacks are switched off', async () => {
    const { json, files } = graphFiles({ W, b: B, round: true });
    const loaded = await loadUserModel(json, reader(files), settings({ inputRange: [-3, 3] }));
    expect(loaded.report.gradients).toBe(false);
    expect(loaded.report.noGradientOps).toContain('Round');
    expect(loaded.report.notes.join(' ')).toMatch(/Round.*gradient-free/);
    loaded.dispose();
  });

  it('bad files and settings end in a plain message that says what to do', async () => {
    const plain = denseImageModel('linear');
    const good = await layersFiles(plain);
    const cases: [unknown, Map<string, ArrayBuffer>, Partial<UserModelSettings>, RegExp][] = [
      ['not a model', good.files, {}, /not a JSON object/],
      [{ modelTopology: { foo: 1 }, weightsManifest: [] }, good.files, {}, /neither a tfjs layers model nor a tfjs graph model/],
      [good.json, new Map(), {}, /cannot read weight file|missing/],
      [good.json, new Map([['group1-shard1of1.bin', new ArrayBuffer(8)]]), {}, /bytes/],
      [{ ...good.json, weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [1024, 1024, 600], dtype: 'float32' }] }] }, good.files, {}, /weights take 2\.3 GB; at most/],
      [good.json, good.files, { classNames: ['one', 'two'] }, /3 outputs; give 3 class names/],
      [good.json, good.files, { inputRange: [1, 0] }, /first smaller/],
      [good.json, good.files, { mean: [0.5], std: [0] }, /positive/],
      [graphFiles({ W: [...W, ...W], b: B }).json, graphFiles({ W: [...W, ...W], b: B }).files, {}, /bytes/],
    ];
    for (const [json, files, s, message] of cases) {
      await expect(loadUserModel(json, reader(files), settings(s))).rejects.toThrow(message);
    }
    const wrongShape = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 3 })] });
    const ws = await layersFiles(wrongShape);
    await expect(loadUserModel(ws.json, reader(ws.files), settings())).rejects.toThrow(/images \[height, width, 1 or 3 channels\] and 2-D points/);
    const oneOut = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 1 })] });
    const oo = await layersFiles(oneOut);
    await expect(loadUserModel(oo.json, reader(oo.files), settings())).rejects.toThrow(/one score per class/);
    await expect(loadUserModel('x', reader(good.files), settings())).rejects.toBeInstanceOf(UserModelError);
    for (const m of [plain, wrongShape, oneOut]) m.dispose();
  });

  it('loading, attacking and disposing again and again leaves no tensor behind', async () => {
    const g = graphFiles({ W, b: B });
    const model = denseImageModel('softmax');
    const l = await layersFiles(model);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      for (const [json, files, s] of [[g.json, g.files, settings({ inputRange: [-3, 3] })], [l.json, l.files, settings({ inputRange: [0, 255], mean: [1], std: [2] })]] as const) {
        const loaded = await loadUserModel(json, reader(files), s);
        const x = tf.zeros([2, ...loaded.attackModel.inputShape]);
        const grad = tf.grad((v: tf.Tensor) => loaded.attackModel.logits(v).sum())(x);
        tf.dispose([x, grad]);
        loaded.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
