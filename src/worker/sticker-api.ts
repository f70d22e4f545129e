/**
 * The Attack Lab's sticker mode: the default stickers of a test sign (lib/data/signs.ts) and "Test it in the
 * world" (lib/attacks/sticker.ts worldTestImage). The attack itself runs through runAttack with a stickerMask.
 */
import * as Comlink from 'comlink';
import { defaultStickerRects, renderSplitImage } from '../lib/data/signs';
import type { StickerRect } from '../lib/attacks/sticker-layout';
import { salientStickersImage, worldTestImage } from '../lib/attacks/sticker';
import { imageSubset } from './datasets';
import { asJob, progressReporter, type ProgressCallback } from './jobs';
import { checkJobId, checkNumber, checkObject, fail } from './checks';
import { getModel } from './models';
import { describeGiven } from '../lib/validate/numeric';

export interface StickerSetup {
  /** The default stickers (two bars above and below the lettering, ≤ 10 % of the sign), in image pixels. */
  rects: StickerRect[];
  /** Per pixel, the fraction covered by the sign's face: stickers paint only where it is ≥ 0.5. */
  coverage: Float32Array;
  label: number;
}

export interface WorldTestRequest {
  modelId: string;
  /** The (stickered or perturbed) image, H × W × C floats in [0, 1]. */
  image: Float32Array;
  /** Targeted: the class the views should be read as; untargeted: the true class they should not be. */
  goal: number;
  targeted: boolean;
  views: number;
  seed: number;
}

export interface WorldTestOutcome {
  successRate: number;
  /** One prediction per view. */
  predicted: Int32Array;
  views: number;
}

export interface SalientRequest {
  modelId: string;
  /** The sign, H × W × C floats in [0, 1]. */
  image: Float32Array;
  /** Its face coverage (StickerSetup.coverage). */
  coverage: Float32Array;
  /** Targeted: the class to reach; untargeted: the true class to leave. */
  goal: number;
  targeted: boolean;
  maxFraction: number;
}

export const stickerApi = {
  /** Where the stickers go by default on test sign `index` (the sign's own pose, from its seed). */
  async stickerSetup(dataset: string, index: number): Promise<StickerSetup> {
    if (dataset !== 'signs') fail(`Stickers need the rendered signs (test set “signs”); got ${describeGiven(dataset)}.`);
    const d = await imageSubset('signs', 'test');
    checkNumber(index, 'index', 0, d.count - 1, true);
    const render = renderSplitImage('test', index);
    // The pose comes from re-rendering: it must be the very image the gallery shows.
    const px = render.rgb.length;
    const shipped = d.images.subarray(index * px, (index + 1) * px);
    if (render.rgb.some((v, i) => v !== shipped[i])) fail(`test sign ${index} does not match its renderer (public/data/signs-test.bin is from another version)`);
    const out: StickerSetup = { rects: defaultStickerRects(render), coverage: render.coverage, label: render.label };
    return Comlink.transfer(out, [out.coverage.buffer as ArrayBuffer]);
  },

  /** Two stickers where they pay most on one sign for one model (sticker.ts salientStickersImage). */
  async stickerSalient(request: SalientRequest): Promise<StickerRect[]> {
    const r = checkObject(request, 'request', '{modelId, image, coverage, goal, targeted, maxFraction}') as unknown as SalientRequest;
    const m = await getModel(r.modelId);
    const shape = m.entry.inputShape;
    if (shape.length !== 3) fail(`${r.modelId} does not take images [rows, cols, channels]`);
    const [rows, cols, channels] = shape as [number, number, number];
    if (!(r.image instanceof Float32Array) || r.image.length !== rows * cols * channels) fail(`image must be a Float32Array of ${rows}×${cols}×${channels} values`);
    if (!(r.coverage instanceof Float32Array) || r.coverage.length !== rows * cols) fail(`coverage must be a Float32Array of ${rows}×${cols} values`);
    checkNumber(r.goal, 'goal', 0, m.attackModel.numClasses - 1, true);
    checkNumber(r.maxFraction, 'maxFraction', 0.001, 1);
    if (typeof r.targeted !== 'boolean') fail('targeted must be true or false');
    return salientStickersImage(m.attackModel, r.image, [rows, cols, channels], r.coverage, r.goal, r.targeted, r.maxFraction);
  },

  /** N fresh random views of one image (a seed the optimisation never used): each view's prediction, the success rate. */
  async worldTest(jobId: string, request: WorldTestRequest, onProgress?: ProgressCallback): Promise<WorldTestOutcome> {
    checkJobId(jobId);
    const r = checkObject(request, 'request', '{modelId, image, goal, targeted, views, seed}') as unknown as WorldTestRequest;
    const m = await getModel(r.modelId);
    const shape = m.entry.inputShape;
    if (shape.length !== 3) fail(`${r.modelId} does not take images [rows, cols, channels]`);
    if (!(r.image instanceof Float32Array)) fail('image must be a Float32Array');
    checkNumber(r.goal, 'goal', 0, m.attackModel.numClasses - 1, true);
    checkNumber(r.views, 'views', 1, 1000, true);
    checkNumber(r.seed, 'seed', 0, 2 ** 31, true);
    if (typeof r.targeted !== 'boolean') fail('targeted must be true or false');
    const report = progressReporter(onProgress, 1);
    return asJob(jobId, async (signal) => {
      const out = await worldTestImage(m.attackModel, r.image, shape as [number, number, number], r.goal, r.targeted, { views: r.views, seed: r.seed, signal });
      report(1);
      return Comlink.transfer(out, [out.predicted.buffer as ArrayBuffer]);
    });
  },
};
