/**
 * A forward pass for attacks: the same function as `model.apply(x, {training: false})`, built from plain tfjs ops
 * that read the layers' current weights, so that ∂loss/∂x costs only what it must.
 *
 * Why: tfjs-layers runs Conv2D and Dense through the FUSED ops (conv + bias + activation in one kernel). Their
 * gradient functions compute every input's gradient eagerly — the filter gradient, the bias gradient and the dense
 * weight gradient — even under tf.grad(f)(x), where only ∂/∂x is wanted. With plain ops (conv2d, add, relu,
 * matMul) the tape prunes every path that does not lead back to x, so no weight gradient is ever computed. On the
 * wasm backend the filter gradient is itself a convolution as large as the forward one (see
 * backend/conv-filter-grad.ts), so this roughly halves the backward pass of an attack step.
 *
 * Only plain chains of common layers are compiled (Sequential, or a functional model whose layers form a chain);
 * anything else returns null and callers keep model.apply. Weights are read at call time, so a model being
 * trained in place (adversarial training attacks its current weights) is always seen as it is now.
 */
import * as tf from '@tensorflow/tfjs';
import { hasHeapKernels, registerHeapKernel, runHeapKernel } from '../backend/heap-kernels';

type Forward = (x: tf.Tensor) => tf.Tensor;

const ACTIVATIONS: Record<string, ((x: tf.Tensor) => tf.Tensor) | null> = {
  linear: null,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  softplus: (x) => tf.softplus(x),
  softsign: (x) => tf.div(x, tf.add(1, tf.abs(x))),
};

function activationOf(config: tf.serialization.ConfigDict): ((x: tf.Tensor) => tf.Tensor) | null | undefined {
  const name = (config.activation ?? 'linear') as string;
  return name in ACTIVATIONS ? ACTIVATIONS[name] : undefined;
}

function withActivation(f: Forward, act: ((x: tf.Tensor) => tf.Tensor) | null): Forward {
  return act ? (x) => act(f(x)) : f;
}

function pair(v: unknown): [number, number] {
  return Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : [v as number, v as number];
}

function inputRank(layer: tf.layers.Layer): number | null {
  try {
    const input = layer.input;
    return Array.isArray(input) ? null : input.shape.length;
  } catch {
    return null;
  }
}

/**
 * A BatchNormalization layer at inference over the last axis: per channel, x·s + t with s = γ/√(var + ε) and
 * t = β − mean·s; undefined for another axis.
 */
function batchNormOf(layer: tf.layers.Layer): { apply: Forward; scale: () => tf.Tensor } | undefined {
  const config = layer.getConfig();
  const axis = config.axis as number | number[];
  const rank = inputRank(layer);
  const last = Array.isArray(axis) ? (axis.length === 1 ? axis[0] : NaN) : axis;
  if (rank === null || !(last === -1 || last === rank - 1)) return undefined;
  const epsilon = config.epsilon as number;
  const parts = () => {
    const w = layer.getWeights(false);
    let i = 0;
    const gamma = config.scale !== false ? w[i++] : undefined;
    const beta = config.center !== false ? w[i++] : undefined;
    return { gamma, beta, mean: w[i], variance: w[i + 1] };
  };
  return {
    apply: (x) => {
      const { gamma, beta, mean, variance } = parts();
      return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    },
    scale: () =>
      tf.tidy(() => {
        const { gamma, variance } = parts();
        const inv = tf.rsqrt(tf.add(variance, epsilon));
        return gamma ? tf.mul(gamma, inv) : inv;
      }),
  };
}

/** One layer as a plain-op function, or undefined when the layer is not supported. */
function compileLayer(layer: tf.layers.Layer): Forward | null | undefined {
  const cls = layer.getClassName();
  const config = layer.getConfig();
  const weights = () => layer.getWeights(false);
  const useBias = config.useBias !== false;
  switch (cls) {
    case 'Flatten':
      return (x) => tf.reshape(x, [x.shape[0], -1]);
    case 'Reshape': {
      const target = config.targetShape as number[];
      return (x) => tf.reshape(x, [x.shape[0], ...target]);
    }
    case 'Activation': {
      const act = activationOf(config);
      if (act === undefined) return undefined;
      return act;
    }
    case 'ReLU':
      if (config.maxValue != null) return undefined;
      return (x) => tf.relu(x);
    case 'Dense': {
      const act = activationOf(config);
      // Dense on a rank > 2 input contracts the last axis; only the common rank-2 case is compiled.
      if (act === undefined || inputRank(layer) !== 2) return undefined;
      return withActivation((x) => {
        const [kernel, bias] = weights();
        const y = tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
        return useBias ? tf.add(y, bias) : y;
      }, act);
    }
    case 'Conv2D': {
      const act = activationOf(config);
      if (act === undefined || (config.dataFormat ?? 'channelsLast') !== 'channelsLast') return undefined;
      const strides = pair(config.strides);
      const dilations = pair(config.dilationRate ?? 1);
      const padding = config.padding as 'same' | 'valid';
      if (padding !== 'same' && padding !== 'valid') return undefined;
      return withActivation((x) => {
        const [kernel, bias] = weights();
        const y = tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding, 'NHWC', dilations);
        return useBias ? tf.add(y, bias) : y;
      }, act);
    }
    case 'BatchNormalization':
      return batchNormOf(layer)?.apply;
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      if ((config.dataFormat ?? 'channelsLast') !== 'channelsLast') return undefined;
      const size = pair(config.poolSize);
      const strides = pair(config.strides ?? config.poolSize);
      const padding = config.padding as 'same' | 'valid';
      return cls === 'MaxPooling2D'
        ? (x) => tf.maxPool(x as tf.Tensor4D, size, strides, padding)
        : (x) => tf.avgPool(x as tf.Tensor4D, size, strides, padding);
    }
    default:
      return undefined;
  }
}

/** Layers in order when the model is one chain (each layer fed by the one before); null otherwise. */
function chainOf(model: tf.LayersModel): tf.layers.Layer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const layers = model.layers;
  if (model.getClassName() === 'Sequential') return layers;
  for (let i = 1; i < layers.length; i++) {
    const nodes = (layers[i] as unknown as { inboundNodes?: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    if (!nodes || nodes.length !== 1 || nodes[0].inboundLayers.length !== 1 || nodes[0].inboundLayers[0] !== layers[i - 1]) return null;
  }
  return layers;
}

/** Layers that pass their input through unchanged at inference: every compiled chain leaves them out. */
const IDENTITY_AT_INFERENCE = new Set(['InputLayer', 'Dropout', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/**
 * The model's chain, each layer compiled by `compile`, which answers undefined for a layer it does not cover (then the
 * whole model is not covered: null) and null for another layer with nothing to do at inference (left out, as the
 * identity layers are before `compile` sees them).
 */
function compileChain<T>(model: tf.LayersModel, compile: (layer: tf.layers.Layer) => T | null | undefined): T[] | null {
  const chain = chainOf(model);
  if (!chain) return null;
  const steps: T[] = [];
  for (const layer of chain) {
    if (IDENTITY_AT_INFERENCE.has(layer.getClassName())) continue;
    const step = compile(layer);
    if (step === undefined) return null;
    if (step !== null) steps.push(step);
  }
  return steps;
}

/**
 * The model's inference forward pass as plain ops (see the file comment), or null when the model has a layer or
 * a topology this does not cover (the caller then uses model.apply).
 */
export function compileInputGradientForward(model: tf.LayersModel): Forward | null {
  const steps = compileChain(model, compileLayer);
  if (!steps) return null;
  return (x) => {
    let y = x;
    for (const f of steps) y = f(y);
    return y;
  };
}

/**
 * Tensors derived from weights (a transposed dense kernel) kept for the length of one attack run, whose weights do
 * not change between its steps. The owner (the attack loop) disposes it when the run ends. An entry is remade when
 * the weight's data changed (a model trained in place between runs of one cache), so a stale derivation is never
 * used.
 *
 * Why: the backward of a dense layer is dy·Wᵀ. wasm's matMul with a transposed operand is a slow path (~100 µs CPU
 * for mnist-cnn's 1568×100 kernel at batch 1) and transposing W costs ~55 µs; with Wᵀ made once per run a step's
 * product takes ~12 µs.
 */
export class DerivedWeights {
  private readonly entries = new Map<tf.Tensor, Map<string, { dataId: tf.DataId; value: tf.Tensor }>>();

  /** `derive(weight)`, made once per run for each weight and `kind` (what the derivation is: 'transpose', …). */
  get(weight: tf.Tensor, kind: string, derive: (w: tf.Tensor) => tf.Tensor): tf.Tensor {
    let forWeight = this.entries.get(weight);
    if (!forWeight) this.entries.set(weight, (forWeight = new Map()));
    const hit = forWeight.get(kind);
    if (hit && hit.dataId === weight.dataId && !hit.value.isDisposed) return hit.value;
    hit?.value.dispose();
    // Kept: the first use is inside a pass's tidy, and the tensor must outlive it.
    const value = tf.keep(tf.tidy(() => derive(weight)));
    forWeight.set(kind, { dataId: weight.dataId, value });
    return value;
  }

  dispose(): void {
    for (const forWeight of this.entries.values()) for (const e of forWeight.values()) e.value.dispose();
    this.entries.clear();
  }
}

/**
 * One layer of a written-out forward-backward: `forward` returns the output and what the backward needs (kept by
 * the caller, disposed after); `backward` maps ∂/∂output to ∂/∂input (`derived`, where given, keeps weight-derived
 * tensors across the calls of one run).
 */
interface VjpLayer {
  forward(x: tf.Tensor, derived?: DerivedWeights): { y: tf.Tensor; saved: tf.Tensor | null };
  backward(dy: tf.Tensor, saved: tf.Tensor | null, xShape: number[], derived?: DerivedWeights): tf.Tensor;
}

const RELU_BACKWARD = 'AdvReluBackward';

/**
 * Up to this many elements ReLU's backward runs as one heap kernel; above, the stock Step and Multiply (SIMD wasm)
 * win: a JS pass costs ~0.8 ns per element in cache (2.6 µs CPU for mnist-cnn's 3 136 first-layer activations,
 * against ~8 µs for the two stock kernels) but ~5 ns at batch 256 (4.2 ms against 0.26 ms).
 */
const RELU_HEAP_MAX = 16384;

/**
 * dy where y > 0, else 0. (A NaN y gives 0 where tfjs' step gives NaN: a NaN activation already makes the logits
 * NaN, and the written-out pass is for finite models.)
 */
function reluBackwardValues(out: Float32Array, [dy, y]: ArrayLike<number>[]): void {
  out.set(dy);
  for (let i = 0; i < out.length; i++) if (!(y[i] > 0)) out[i] = 0;
}

/**
 * ReLU's backward from its output: dy·step(y) — one heap kernel on wasm/cpu (backend/heap-kernels.ts) instead of
 * Step and Multiply where the tensor is small (batch 1: a step is bound by its kernel count).
 */
function reluBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (dy.size > RELU_HEAP_MAX || !hasHeapKernels([dy, y]) || dy.size !== y.size) return tf.mul(dy, tf.step(y));
  registerHeapKernel(RELU_BACKWARD, ['dy', 'y'], reluBackwardValues);
  return runHeapKernel(RELU_BACKWARD, { dy, y });
}

/** Activations whose derivative is a function of their output (so the pre-activation need not be kept). */
const OUTPUT_DERIVATIVES: Record<string, ((dy: tf.Tensor, y: tf.Tensor) => tf.Tensor) | null> = {
  linear: null,
  // ReLU's derivative is 1 where y > 0 (tfjs' own gradient uses step(x), also 0 at x = 0).
  relu: reluBackward,
  tanh: (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y))),
  sigmoid: (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y))),
};
const FUSED: Record<string, tf.fused.Activation | undefined> = { linear: 'linear', relu: 'relu' };

function vjpLayer(layer: tf.layers.Layer): VjpLayer | null | undefined {
  const cls = layer.getClassName();
  const config = layer.getConfig();
  const weights = () => layer.getWeights(false);
  const useBias = config.useBias !== false;
  const actName = (config.activation ?? 'linear') as string;
  const deriv = actName in OUTPUT_DERIVATIVES ? OUTPUT_DERIVATIVES[actName] : undefined;
  const applyAct = (z: tf.Tensor): tf.Tensor => (actName === 'linear' ? z : ACTIVATIONS[actName]!(z));
  const throughAct = (dy: tf.Tensor, y: tf.Tensor | null) => (deriv ? deriv(dy, y!) : dy);
  switch (cls) {
    case 'Flatten':
    case 'Reshape': {
      const target = cls === 'Flatten' ? [-1] : (config.targetShape as number[]);
      return {
        forward: (x) => ({ y: tf.reshape(x, [x.shape[0], ...target]), saved: null }),
        backward: (dy, _s, xShape) => tf.reshape(dy, xShape),
      };
    }
    case 'Activation':
    case 'ReLU': {
      const name = cls === 'ReLU' ? (config.maxValue != null ? 'unsupported' : 'relu') : actName;
      const d = OUTPUT_DERIVATIVES[name];
      if (!d) return name === 'linear' ? null : undefined;
      return { forward: (x) => { const y = ACTIVATIONS[name]!(x); return { y, saved: y }; }, backward: (dy, y) => d(dy, y!) };
    }
    case 'BatchNormalization': {
      // Affine per channel at inference, so ∂/∂x is ∂/∂y times the per-channel scale.
      const bn = batchNormOf(layer);
      if (!bn) return undefined;
      return { forward: (x) => ({ y: bn.apply(x), saved: null }), backward: (dy) => tf.mul(dy, bn.scale()) };
    }
    case 'Dense': {
      if (deriv === undefined || inputRank(layer) !== 2) return undefined;
      const fused = FUSED[actName];
      return {
        forward: (x, derived) => {
          const [kernel, bias] = weights();
          const y = fused
            ? tf.tidy(() => {
                // The fused kernel itself (it takes rank-3 operands), not tf.fused.matMul: the op adds a gradient
                // wrapper and four reshapes, which a tape-free pass does not need.
                const [n, d] = x.shape as [number, number];
                const units = kernel.shape[1] as number;
                const b3 = derived ? derived.get(kernel, 'rank 3', (w) => tf.reshape(w, [1, d, units])) : tf.reshape(kernel, [1, d, units]);
                const inputs = { a: tf.reshape(x, [1, n, d]), b: b3, ...(useBias ? { bias } : {}) };
                const out = tf.engine().runKernel('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation: fused }) as tf.Tensor;
                return tf.reshape(out, [n, units]);
              })
            : tf.tidy(() => applyAct(useBias ? tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias) : tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D)));
          return { y, saved: deriv ? y : null };
        },
        backward: (dy, y, _shape, derived) => {
          const kernel = weights()[0] as tf.Tensor2D;
          const d = throughAct(dy, y) as tf.Tensor2D;
          return derived ? tf.matMul(d, derived.get(kernel, 'transpose', (w) => tf.transpose(w)) as tf.Tensor2D) : tf.matMul(d, kernel, false, true);
        },
      };
    }
    case 'Conv2D': {
      if (deriv === undefined || (config.dataFormat ?? 'channelsLast') !== 'channelsLast') return undefined;
      const strides = pair(config.strides);
      const dilations = pair(config.dilationRate ?? 1);
      const padding = config.padding as 'same' | 'valid';
      // conv2dTranspose (the input gradient) takes no dilation.
      if ((padding !== 'same' && padding !== 'valid') || dilations[0] !== 1 || dilations[1] !== 1) return undefined;
      const fused = FUSED[actName];
      return {
        forward: (x) => {
          const [kernel, bias] = weights();
          const b = useBias ? bias : undefined;
          // The fused kernel itself, not tf.fused.conv2d (whose gradient wrapper a tape-free pass does not need).
          const y = fused
            ? (tf.engine().runKernel('FusedConv2D', { x, filter: kernel, ...(b ? { bias: b } : {}) }, { strides, pad: padding, dataFormat: 'NHWC', dilations: [1, 1], activation: fused }) as tf.Tensor)
            : tf.tidy(() => applyAct(b ? tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding), b) : tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding)));
          return { y, saved: deriv ? y : null };
        },
        backward: (dy, y, xShape) =>
          tf.conv2dTranspose(throughAct(dy, y) as tf.Tensor4D, weights()[0] as tf.Tensor4D, xShape as [number, number, number], strides, padding),
      };
    }
    default:
      return undefined;
  }
}

/**
 * Logits and ∂(Σ objective)/∂x, given ∂(Σ objective)/∂logits as a function of the logits. `derived`: a cache the
 * caller owns for the length of a run in which the weights stay fixed (see DerivedWeights).
 */
export type InputGradientPass = (
  x: tf.Tensor,
  dLogits: (logits: tf.Tensor2D) => tf.Tensor,
  derived?: DerivedWeights,
) => { logits: tf.Tensor2D; grad: tf.Tensor };

/**
 * Inference through the same layers as the tape-free pass (the fused kernels called directly, no gradient
 * wrappers), without keeping anything for a backward: at batch 1 tfjs-layers' `apply` costs ~3× the arithmetic in
 * bookkeeping. Null where the pass does not cover the model. Not for use under a gradient tape (the fused kernels are
 * called without their gradient functions).
 */
export function compileDirectForward(model: tf.LayersModel): Forward | null {
  const layers = compileChain(model, vjpLayer);
  if (!layers) return null;
  return (x) =>
    tf.tidy(() => {
      let y = x;
      for (const l of layers) y = l.forward(y).y;
      return y === x ? tf.clone(x) : y;
    });
}

/**
 * The logits and the input gradient with the backward pass written out layer by layer, without a gradient tape:
 * at batch 1 an attack step is bound by the number of tfjs kernels (~20–30 µs of overhead each), and the tape adds
 * a saved copy (an Identity kernel) of nearly every intermediate plus its own bookkeeping — 26 of the 93 kernels of
 * an interactive PGD step on mnist-cnn. The forward runs the fused kernels (conv + bias + ReLU in one). Covers
 * chains of Conv2D, Dense, BatchNormalization, Flatten/Reshape and ReLU/tanh/sigmoid/linear activations; null otherwise (callers use
 * tf.grad over compileInputGradientForward). Weights are read at call time, as above.
 */
export function compileInputGradientPass(model: tf.LayersModel): InputGradientPass | null {
  const layers = compileChain(model, vjpLayer);
  if (!layers) return null;
  return (x, dLogits, derived) => {
    const kept: tf.Tensor[] = [];
    try {
      const saved: (tf.Tensor | null)[] = [];
      const shapes: number[][] = [];
      let y = x;
      for (const l of layers) {
        shapes.push(y.shape);
        const out = l.forward(y, derived);
        if (y !== x) kept.push(y);
        saved.push(out.saved);
        y = out.y;
      }
      const logits = y as tf.Tensor2D;
      const grad = tf.tidy(() => {
        let d = dLogits(logits);
        for (let i = layers.length - 1; i >= 0; i--) d = layers[i].backward(d, saved[i], shapes[i], derived);
        return d;
      });
      return { logits: logits === x ? (tf.clone(x) as tf.Tensor2D) : logits, grad };
    } finally {
      tf.dispose(kept);
    }
  };
}
