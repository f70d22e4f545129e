/**
 * Exporting a run: the adversarial image and the perturbation as PNG at the model's resolution (one file pixel per
 * input value), and the run's parameters and figures as JSON.
 */
import { drawDelta, drawImage } from '../../draw';
import type { LabAttackResult } from '../../../worker/attack-lab-api';

function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

/** The image at its own resolution: grey or RGB by `channels`. */
export function imagePng(data: ArrayLike<number>, width: number, height: number, channels = 1): Promise<Blob> {
  const canvas = document.createElement('canvas');
  drawImage(canvas, data, width, height, channels);
  return canvasBlob(canvas);
}

/**
 * δ amplified: grey on the diverging map, full colour at ±scale; RGB around mid-grey, each channel saturating at
 * ±scale (the amplification shown in the legend is 1/scale).
 */
export function signedPng(data: ArrayLike<number>, width: number, height: number, scale: number, channels = 1): Promise<Blob> {
  const canvas = document.createElement('canvas');
  drawDelta(canvas, data, width, height, scale, channels);
  return canvasBlob(canvas);
}

/** A file-name stem like "pgd-mnist-cnn-eps0.3". */
export function fileStem(r: LabAttackResult, epsilon: number): string {
  return `${r.attackId}-${r.modelId}-eps${+epsilon.toFixed(4)}`.replace(/[^a-z0-9.\-]+/gi, '_');
}

const round = (v: number, digits = 6) => +v.toFixed(digits);

/** Everything needed to reproduce and cite the run (the image itself included, to 6 decimals). */
export function runJson(
  r: LabAttackResult,
  index: number,
  context: { input: { source: string; testIndex: number | null; label: number; labelName: string }; classNames: readonly string[]; amplification: number; backend: string | null; shape: number[] },
): Blob {
  const e = r.results[index];
  const image = Array.from(e.adversarial, (v, i) => round(v - e.delta[i]));
  const body = {
    app: 'adversarial-playground',
    createdAt: new Date().toISOString(),
    backend: context.backend,
    model: r.modelId,
    attack: { id: r.attackId, name: r.attackName, norm: r.norm, hyperparameters: r.hyperparameters, epsilon: e.epsilon, target: r.target },
    input: context.input,
    classNames: context.classNames,
    clean: { predicted: r.clean.predicted, probabilities: Array.from(r.clean.probabilities, (v) => round(v)) },
    adversarial: {
      predicted: e.predicted,
      success: e.success,
      probabilities: Array.from(e.probabilities, (v) => round(v)),
      norms: { linf: e.linf, l2: e.l2, l0: e.l0 },
      queries: e.queries,
    },
    perturbationDisplay: {
      amplification: context.amplification,
      colours: context.shape[2] === 3 ? 'RGB around mid-grey: 0.5 + amplification·δ/2 per channel' : 'blue negative, white zero, red positive',
    },
    elapsedMs: Math.round(r.elapsedMs),
    trace: r.trace.map((s) => ({
      epsilon: s.epsilon,
      restart: s.restart,
      step: s.step,
      loss: round(s.loss),
      trueConfidence: round(s.trueConfidence),
      bestOtherConfidence: round(s.bestOtherConfidence),
      norm: round(s.norm),
    })),
    pixels: { shape: context.shape, original: image, adversarial: Array.from(e.adversarial, (v) => round(v)) },
  };
  return new Blob([JSON.stringify(body, null, 1)], { type: 'application/json' });
}

/** The amplification the perturbation is drawn at: a round factor so that the largest |δ| nearly fills the scale. */
export function amplificationFor(linf: number): number {
  const factors = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500];
  if (!(linf > 0)) return 1;
  let best = 1;
  for (const f of factors) if (f * linf <= 1.0001) best = f;
  return best;
}
