/**
 * The "Your models" panel as the page holds it: the models a person brought (kept by the engine in IndexedDB),
 * the files being added with what the loader noticed, and the form of what the person states. Outlives the tab,
 * so a half-filled form survives a tab switch. The engine does the loading and checking; this only reads files.
 */
import type { DroppedFile, UserModelCard, UserModelDataset, UserModelInspection } from '../../../worker/user-models-api';
import type { DamagedRecord } from '../../../lib/models/storage';
import { getEngine } from '../../engine';
import { downloadBlob } from '../../download';

export interface ModelForm {
  name: string;
  rangeLow: number;
  rangeHigh: number;
  /** Comma-separated per-channel values, or one for all; empty for no normalisation. */
  mean: string;
  std: string;
  /** One class name per line (or comma-separated). */
  classNames: string;
  dataset: UserModelDataset;
}

function numbers(text: string, what: string): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const values = parts.map(Number);
  const bad = parts.find((p, i) => !Number.isFinite(values[i]));
  if (bad !== undefined) throw new Error(`The ${what} “${bad}” is not a number.`);
  return values;
}

export function splitNames(text: string): string[] {
  return text.split(/\n|,/).map((n) => n.trim()).filter(Boolean);
}

/** Reads dropped or picked files into plain buffers (with their folder path when the browser gives one). */
export async function readFiles(files: Iterable<File>): Promise<DroppedFile[]> {
  return Promise.all([...files].map(async (f) => ({ name: f.webkitRelativePath || f.name, data: await f.arrayBuffer() })));
}

class YoursController {
  models = $state<UserModelCard[]>([]);
  /** Stored records that cannot be used: listed with what is wrong, so they can be deleted. */
  damaged = $state<DamagedRecord[]>([]);
  /** Files waiting for the person to confirm the form. */
  pendingFiles = $state<DroppedFile[] | null>(null);
  inspection = $state<UserModelInspection | null>(null);
  form = $state<ModelForm>({ name: '', rangeLow: 0, rangeHigh: 1, mean: '', std: '', classNames: '', dataset: 'none' });
  busy = $state(false);
  error = $state<string | null>(null);
  /** The last thing that happened, said plainly (added, renamed, removed). */
  notice = $state<string | null>(null);
  private opened = false;

  async open(): Promise<void> {
    await this.refresh();
    this.opened = true;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  private async refresh(): Promise<void> {
    try {
      const engine = getEngine();
      [this.models, this.damaged] = await Promise.all([engine.userModelList(), engine.userModelDamaged()]);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private async act<T>(what: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      return await what();
    } catch (e) {
      this.error = (e as Error).message.replace(/^Error: /, '');
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** New files: the engine inspects them; nothing is kept until the form is confirmed. */
  async choose(files: File[]): Promise<void> {
    this.pendingFiles = null;
    this.inspection = null;
    await this.act(async () => {
      const read = await readFiles(files);
      // The engine takes the buffers: keep copies for the confirming call.
      const inspection = await getEngine().userModelInspect(read.map((f) => ({ name: f.name, data: f.data.slice(0) })));
      this.pendingFiles = read;
      this.inspection = inspection;
      this.form = { name: inspection.name, rangeLow: 0, rangeHigh: 1, mean: '', std: '', classNames: inspection.classNames.join('\n'), dataset: inspection.dataset };
    });
  }

  cancelPending(): void {
    this.pendingFiles = null;
    this.inspection = null;
    this.error = null;
  }

  async add(): Promise<void> {
    const files = this.pendingFiles;
    if (!files) return;
    const f = this.form;
    await this.act(async () => {
      const settings = { inputRange: [Number(f.rangeLow), Number(f.rangeHigh)] as [number, number], mean: numbers(f.mean, 'mean'), std: numbers(f.std, 'standard deviation'), classNames: splitNames(f.classNames) };
      const card = await getEngine().userModelAdd(files.map((x) => ({ name: x.name, data: x.data.slice(0) })), { name: f.name, settings, dataset: f.dataset });
      this.pendingFiles = null;
      this.inspection = null;
      await this.refresh();
      this.notice = `“${card.name}” was added. It is listed in the Attack Lab, the ε trade-off and the report.`;
    });
  }

  async rename(id: string, name: string): Promise<void> {
    await this.act(async () => {
      const card = await getEngine().userModelRename(id, name);
      await this.refresh();
      this.notice = `Renamed to “${card.name}”.`;
    });
  }

  async remove(id: string): Promise<void> {
    const name = this.models.find((m) => m.id === id)?.name ?? id;
    await this.act(async () => {
      await getEngine().userModelRemove(id);
      await this.refresh();
      this.notice = `“${name}” was removed from this browser.`;
    });
  }

  async exportModel(id: string): Promise<void> {
    await this.act(async () => {
      const files = await getEngine().userModelExport(id);
      downloadBlob(new Blob([files.modelJson], { type: 'application/json' }), 'model.json');
      downloadBlob(new Blob([files.weights], { type: 'application/octet-stream' }), 'weights.bin');
      downloadBlob(new Blob([files.settingsJson], { type: 'application/json' }), 'settings.json');
    });
  }
}

export const yours = new YoursController();
