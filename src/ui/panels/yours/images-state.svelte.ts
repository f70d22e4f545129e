/**
 * A person's own images: chosen as a folder (labels from sub-folder names) or as files with a CSV, decoded by the
 * browser in the page, resized to the model's input by toModelPixels, and sent to the engine as one labelled set.
 * The set then serves as the Attack Lab gallery and as evaluation images in the trade-off curves and the report.
 */
import type { ImageSetSummary } from '../../../worker/user-images-api';
import type { ModelSummary } from '../../../worker/models';
import { labelFiles, toModelPixels } from '../../../lib/data/user-images';
import { imageSetFits } from '../../../lib/data/user-image-set';
import { getEngine } from '../../engine';

/** RGBA pixels of an image file, through the browser's own decoder. */
async function decode(file: File): Promise<{ rgba: Uint8ClampedArray; width: number; height: number }> {
  const bitmap = await createImageBitmap(file);
  try {
    const { width, height } = bitmap;
    const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!ctx) throw new Error('this browser gives no 2-D canvas to read pixels with');
    ctx.drawImage(bitmap, 0, 0);
    return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bitmap.close();
  }
}

class ImagesController {
  sets = $state<ImageSetSummary[]>([]);
  /** Grey image models the images can be made for (the set takes their size and class names). */
  models = $state<ModelSummary[]>([]);
  modelId = $state('');
  name = $state('my images');
  files = $state<File[]>([]);
  csv = $state<File | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  problems = $state<string[]>([]);

  readonly model = $derived(this.models.find((m) => m.id === this.modelId) ?? null);

  async open(): Promise<void> {
    try {
      const engine = getEngine();
      const [all, sets] = await Promise.all([engine.listModels(), engine.imageSetList()]);
      this.models = all.filter((m) => m.kind === 'image' && m.inputShape[2] === 1);
      this.sets = sets;
      if (!this.models.some((m) => m.id === this.modelId)) this.modelId = this.models.find((m) => m.source === 'registered')?.id ?? this.models[0]?.id ?? '';
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  choose(files: File[]): void {
    this.files = files;
    this.error = null;
    this.notice = null;
    const folder = files[0]?.webkitRelativePath.split('/')[0];
    if (folder) this.name = folder;
  }

  async add(): Promise<void> {
    const model = this.model;
    if (!model) return void (this.error = 'Choose the model the images are for first.');
    if (this.files.length === 0) return void (this.error = 'Choose a folder or some image files first.');
    this.busy = true;
    this.error = null;
    this.notice = null;
    this.problems = [];
    try {
      const [H, W] = model.inputShape;
      const paths = this.files.map((f) => f.webkitRelativePath || f.name);
      const csv = this.csv ? await this.csv.text() : undefined;
      const { files, problems } = labelFiles(paths, [...model.classNames], csv);
      const byPath = new Map(this.files.map((f, i) => [paths[i], f]));
      const labelled = files.filter((f) => f.label !== null);
      const pixels = new Uint8Array(labelled.length * H * W);
      const labels = new Uint8Array(labelled.length);
      const unreadable: string[] = [];
      let k = 0;
      for (const f of labelled) {
        try {
          const img = await decode(byPath.get(f.path)!);
          pixels.set(toModelPixels(img.rgba, img.width, img.height, [H, W, 1]), k * H * W);
          labels[k++] = f.label!;
        } catch {
          unreadable.push(f.path);
        }
      }
      if (unreadable.length) problems.push(`${unreadable.length} file(s) could not be read as images: ${unreadable.slice(0, 5).join(', ')}.`);
      if (files.length > labelled.length) problems.push(`${files.length - labelled.length} image(s) without a label were left out (only labelled images can be scored).`);
      const set = await getEngine().imageSetAdd({ name: this.name, rows: H, cols: W, classNames: [...model.classNames], pixels: pixels.slice(0, k * H * W), labels: labels.slice(0, k) });
      this.problems = problems;
      this.files = [];
      this.csv = null;
      this.sets = await getEngine().imageSetList();
      this.notice = `${set.count} images “${set.name}” were added: pick them as the gallery in the Attack Lab, or as evaluation images in the ε trade-off.`;
    } catch (e) {
      this.error = (e as Error).message.replace(/^Error: /, '');
    } finally {
      this.busy = false;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await getEngine().imageSetRemove(id);
      this.sets = await getEngine().imageSetList();
    } catch (e) {
      this.error = (e as Error).message;
    }
  }
}

export const images = new ImagesController();

/** The sets that fit a model (same size, grey, same number of classes). */
export function setsFor(sets: ImageSetSummary[], model: { kind: string; inputShape: number[]; classNames: string[] } | null): ImageSetSummary[] {
  return model ? sets.filter((s) => imageSetFits(s, model)) : [];
}
