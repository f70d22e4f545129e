/**
 * Image-space slices as the page holds them, outside the component: the settings (declared once in the URL schema
 * below), the test-image strip and the last computed slice. A tab switch keeps them; a slice still computing
 * finishes and is shown on return.
 */
import type { SliceResult } from '../../../worker/boundaries-api';
import type { ModelSummary } from '../../../worker/models';
import type { TestImages } from '../../../worker/attack-lab-api';
import { getEngine } from '../../engine';
import { Job } from '../../job.svelte';
import { choice, currentAddressVersion, reportUnknownName, text, urlSchema } from '../../state/url-schema';
import { param } from '../../state/param';
import { SLICE_FIELDS } from '../../../lib/validate/numeric';

const STRIP = 12;
export const EXTENTS = [0.1, 0.2, 0.3, 0.5, 0.75, 1] as const;
export const RESOLUTIONS = [64, 96, 128] as const;
export const DIRECTIONS = [
  { id: 'gradient-sign', name: 'gradient sign (FGSM direction)' },
  { id: 'pgd', name: 'PGD δ at ε' },
] as const;
type DirectionId = (typeof DIRECTIONS)[number]['id'];

export const SLICE_URL = urlSchema({
  'b-left': text(),
  'b-right': text(),
  'b-plane': choice(['left', 'right'] as const, 'left'),
  'b-dir': choice(DIRECTIONS.map((d) => d.id), 'gradient-sign'),
  'b-seps': param(0.1, SLICE_FIELDS.epsilon),
  'b-extent': param(0.5, SLICE_FIELDS.extent),
  'b-res': param(64, SLICE_FIELDS.resolution),
  'b-img': param(0, SLICE_FIELDS.imageIndex),
  'b-pseed': param(1, SLICE_FIELDS.planeSeed),
});

class SliceState {
  models = $state<ModelSummary[]>([]);
  leftId = $state('');
  rightId = $state('');
  planeSide = $state<'left' | 'right'>('left');
  direction = $state<DirectionId>('gradient-sign');
  epsilon = $state(0.1);
  extent = $state(0.5);
  resolution = $state(64);
  imageIndex = $state(0);
  planeSeed = $state(1);
  strip = $state<TestImages | null>(null);
  result = $state<SliceResult | null>(null);
  error = $state<string | null>(null);
  /** A newer slice supersedes the one computing (the worker cancels it under the same job id). */
  readonly job = new Job('boundary-slice');
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readAt = -1;

  readonly dataset = $derived(this.models.find((m) => m.id === this.leftId)?.dataset ?? 'mnist');
  readonly pairIds = $derived([this.leftId, this.rightId].filter((id, i, all) => id !== '' && all.indexOf(id) === i));
  readonly sameDataModels = $derived(this.models.filter((m) => m.dataset === this.dataset));

  /**
   * Called on every mount: the first (or the first after the address changed from outside, see addressChanged)
   * reads the address, lists the models and computes; later ones find it as it was.
   */
  async open(): Promise<void> {
    if (this.readAt === currentAddressVersion()) return;
    this.readAt = currentAddressVersion();
    const u = SLICE_URL.read();
    Object.assign(this, {
      planeSide: u['b-plane'],
      direction: u['b-dir'],
      epsilon: u['b-seps'],
      extent: u['b-extent'],
      resolution: u['b-res'],
      imageIndex: u['b-img'],
      planeSeed: u['b-pseed'],
    });
    try {
      const models = (await getEngine().listModels()).filter((m) => m.kind === 'image');
      this.models = models;
      if (models.length === 0) throw new Error('The model zoo lists no image models yet (models/index.json), so there is nothing to slice.');
      const has = (id: string) => id !== '' && models.some((m) => m.id === id);
      this.leftId = has(u['b-left']) ? u['b-left'] : (models.find((m) => m.id === 'mnist-cnn') ?? models.find((m) => !m.robust) ?? models[0]).id;
      const sameData = models.filter((m) => m.dataset === models.find((x) => x.id === this.leftId)!.dataset && m.id !== this.leftId);
      this.rightId = has(u['b-right']) ? u['b-right'] : ((sameData.find((m) => m.id === `${this.leftId}-robust`) ?? sameData.find((m) => m.robust) ?? sameData[0])?.id ?? '');
      const ids = models.map((m) => m.id);
      if (u['b-left'] !== '' && !has(u['b-left'])) reportUnknownName('b-left', u['b-left'], ids, this.leftId);
      if (u['b-right'] !== '' && !has(u['b-right'])) reportUnknownName('b-right', u['b-right'], ids, this.rightId);
      await this.loadStrip();
      await this.compute();
    } catch (e) {
      this.error = (e as Error).message;
      this.readAt = -1;
    }
  }

  saveHash(): void {
    SLICE_URL.write({
      'b-left': this.leftId,
      'b-right': this.rightId,
      'b-plane': this.planeSide,
      'b-dir': this.direction,
      'b-seps': this.epsilon,
      'b-extent': this.extent,
      'b-res': this.resolution,
      'b-img': this.imageIndex,
      'b-pseed': this.planeSeed,
    });
  }

  async loadStrip(): Promise<void> {
    const strip = await getEngine().getTestImages(this.dataset, { count: STRIP });
    this.strip = strip;
    if (!strip.indices.includes(this.imageIndex) && this.imageIndex >= strip.total) this.imageIndex = strip.indices[0];
  }

  async compute(): Promise<void> {
    if (this.pairIds.length === 0) return;
    this.saveHash();
    const planeModelId = this.planeSide === 'right' && this.rightId ? this.rightId : this.leftId;
    const request = {
      dataset: this.dataset as 'mnist',
      imageIndex: this.imageIndex,
      modelIds: [...this.pairIds],
      planeModelId,
      direction: this.direction,
      epsilon: this.epsilon,
      extent: this.extent,
      resolution: this.resolution,
      seed: this.planeSeed,
    };
    this.error = null;
    const outcome = await this.job.run((ctx) => getEngine().imageSlice(ctx.id, request, ctx.onProgress));
    if (outcome.status === 'done') this.result = outcome.value;
    else if (outcome.status === 'failed') this.error = outcome.error;
  }

  /** Settings changed: recompute shortly (a newer request supersedes the running one). */
  changed(): void {
    this.saveHash();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.compute(), 200);
  }

  leftChanged(): void {
    this.loadStrip().then(() => this.changed());
  }

  choose(index: number): void {
    this.imageIndex = index;
    this.changed();
  }

  setEpsilon(e: number): void {
    this.epsilon = e;
    this.changed();
  }

  cancel(): void {
    void this.job.cancel();
  }
}

/** The page's one slice view. */
export const slice = new SliceState();

/** Fraction of the plane where the model keeps the image's true class. */
export function labelArea(predicted: Uint8Array, label: number): number {
  let same = 0;
  for (const k of predicted) if (k === label) same++;
  return same / predicted.length;
}
