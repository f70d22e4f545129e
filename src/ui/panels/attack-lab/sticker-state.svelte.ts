/**
 * The Attack Lab's sticker mode, outside its components: where the stickers are on the chosen test sign, and the
 * last "Test it in the world" (the stickers, and a plain L∞ attack for comparison, each under N fresh random views).
 * Placement rules and masks are lib/attacks/sticker-layout.ts; the world test runs in the worker (sticker-api.ts).
 */
import type { StickerSetup, WorldTestOutcome } from '../../../worker/sticker-api';
import type { LabAttackResult } from '../../../worker/attack-lab-api';
import { layoutMask, moveRect, resizeRect, type StickerRect } from '../../../lib/attacks/sticker-layout';
import { COLOUR_LINF_EPSILON } from '../../../lib/util/default-epsilon';
import { getEngine } from '../../engine';
import { Job } from '../../job.svelte';

/** The stickers' budget in the issue (and in sticker-eval): at most this fraction of the sign's area by default. */
export const STICKER_MAX_FRACTION = 0.1;
/** The class a stop sign is pushed to by default, as in Eykholt et al. */
export const DEFAULT_STICKER_TARGET = /speed limit 50/i;

export interface WorldComparison {
  views: number;
  seed: number;
  goal: number;
  targeted: boolean;
  stickers: WorldTestOutcome;
  /** A targeted (or untargeted) PGD at 8/255 on the same image, its own prediction, and its world test. */
  linf: { predicted: number; success: boolean; world: WorldTestOutcome };
}

class StickerController {
  setup = $state<StickerSetup | null>(null);
  rects = $state<StickerRect[]>([]);
  /** The dataset and test index the setup belongs to. */
  private key = '';
  rows = $state(32);
  cols = $state(32);
  views = $state(100);
  world = $state<WorldComparison | null>(null);
  error = $state<string | null>(null);
  readonly job = new Job('sticker-world');
  /** Each test draws fresh views: a new seed every time, far from the seeds attacks use. */
  private seed = 100_000;

  readonly layout = $derived(this.setup ? layoutMask(this.rects, this.setup.coverage, this.rows, this.cols) : null);

  /** Loads the default stickers of test sign `index` (once per image). */
  async ensure(dataset: string, index: number | null, rows: number, cols: number): Promise<void> {
    const key = `${dataset}/${index}`;
    if (index === null || dataset !== 'signs') {
      this.setup = null;
      this.key = '';
      return;
    }
    if (key === this.key) return;
    this.key = key;
    this.world = null;
    try {
      const setup = await getEngine().stickerSetup(dataset, index);
      if (this.key !== key) return;
      this.rows = rows;
      this.cols = cols;
      this.setup = setup;
      this.rects = setup.rects;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  reset(): void {
    if (this.setup) this.rects = this.setup.rects;
  }

  /** True while the worker is placing the stickers by saliency. */
  placing = $state(false);

  /** Two stickers where the model's loss says they pay most on this sign (worker: stickerSalient), within the budget. */
  async placeSalient(modelId: string, image: Float32Array, goal: number, targeted: boolean): Promise<void> {
    const setup = this.setup;
    if (!setup || this.placing) return;
    const key = this.key;
    this.placing = true;
    this.error = null;
    try {
      const rects = await getEngine().stickerSalient({ modelId, image, coverage: setup.coverage, goal, targeted, maxFraction: STICKER_MAX_FRACTION });
      // A sign changed meanwhile: these rectangles belong to the old one.
      if (this.key === key && rects.length > 0) this.rects = rects;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.placing = false;
    }
  }

  move(i: number, dx: number, dy: number): void {
    this.rects = this.rects.map((r, k) => (k === i ? moveRect(r, dx, dy, this.rows, this.cols) : r));
  }

  resize(i: number, dw: number, dh: number): void {
    this.rects = this.rects.map((r, k) => (k === i ? resizeRect(r, dw, dh, this.rows, this.cols) : r));
  }

  /** The stickered image and a plain L∞ attack on the same image, each shown under `views` fresh random views. */
  async testWorld(result: LabAttackResult, original: Float32Array): Promise<void> {
    const shown = result.results[0];
    if (!shown) return;
    const targeted = result.target !== null;
    const goal = result.target ?? result.label;
    const views = this.views;
    const seed = ++this.seed;
    this.error = null;
    const outcome = await this.job.run(async (ctx) => {
      const engine = getEngine();
      const request = { modelId: result.modelId, goal, targeted, views, seed };
      const stickers = await engine.worldTest(ctx.id, { ...request, image: shown.adversarial });
      const pgd = await engine.runAttack(ctx.id, {
        modelId: result.modelId,
        attackId: 'pgd',
        options: { epsilons: [COLOUR_LINF_EPSILON], seed: 1, steps: 40, ...(targeted ? { targeted: true, target: { mode: 'given', label: goal } } : {}) },
        image: original,
        label: result.label,
      });
      const p = pgd.results[0];
      const world = await engine.worldTest(ctx.id, { ...request, image: p.adversarial });
      return { views, seed, goal, targeted, stickers, linf: { predicted: p.predicted, success: targeted ? p.predicted === goal : p.predicted !== result.label, world } };
    });
    if (outcome.status === 'done') this.world = outcome.value;
    else if (outcome.status === 'failed') this.error = outcome.error;
  }
}

/** The page's one sticker mode. */
export const stickers = new StickerController();
