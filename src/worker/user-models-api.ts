/**
 * Worker methods for a person's own models: inspect the dropped files (what the loader notices, before anything is
 * kept), add, rename, export and remove. The model files (bundled into one model.json + weights.bin) and the
 * settings are kept in IndexedDB; both workers register them from there (syncUserModels), so the model appears in
 * every panel of either lane. Logic lives in src/lib/models (user-model, user-files, user-model-card).
 */
import * as Comlink from 'comlink';
import { loadUserModel, type UserModelReport, type UserModelSettings } from '../lib/models/user-model';
import { bundleModelFiles, checkBundleArtifacts, sortModelFiles, type DroppedFile } from '../lib/models/user-files';
import { checkUserModelCard, datasetFits, defaultDataset, USER_MODEL_DATASETS, userModelEntry, userModelId, type UserModelCard, type UserModelDataset } from '../lib/models/user-model-card';
import { damagedRecords, indexedDbModelStore, memoryModelStore, type DamagedRecord, type ModelStore, type StoredModel } from '../lib/models/storage';
import { uniqueName } from '../lib/models/unique-name';
import { checkChoice, fail } from './checks';
import { listModels, registerOwnModel, setRegisteredSync, unregisterModel } from './models';
import { describeGiven } from '../lib/validate/numeric';

export type { UserModelCard, UserModelDataset, UserModelReport, UserModelSettings, DroppedFile };

export interface UserModelInspection {
  report: UserModelReport;
  /** Starting values for the form: a free name, the metadata's class names (or class 0, 1, …), a fitting test set. */
  name: string;
  classNames: string[];
  dataset: UserModelDataset;
}

export interface UserModelAddRequest {
  name: string;
  settings: UserModelSettings;
  dataset: UserModelDataset;
}

/** The stored form: `artifacts.modelTopology` holds the whole bundled model.json, `weightSpecs` its weights list, `weightData` its weights.bin. */
let store: ModelStore<UserModelCard> | null = null;

export function setUserModelStore(next: ModelStore<UserModelCard>): void {
  store = next;
}

function userStore(): ModelStore<UserModelCard> {
  // Cards are checked as they are read: a damaged one is listed apart (userModelDamaged) rather than breaking every entry.
  store ??= typeof indexedDB === 'undefined'
    ? memoryModelStore<UserModelCard>(checkUserModelCard, checkBundleArtifacts)
    : indexedDbModelStore<UserModelCard>('adversarial-playground-user-models', checkUserModelCard, checkBundleArtifacts);
  return store;
}

function checkFiles(files: unknown): DroppedFile[] {
  if (!Array.isArray(files) || files.some((f) => typeof f?.name !== 'string' || !(f?.data instanceof ArrayBuffer))) fail('files must be a list of {name, data: ArrayBuffer}');
  return files as DroppedFile[];
}

function checkSettings(s: unknown): UserModelSettings {
  const o = s as UserModelSettings;
  const numbers = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (typeof o !== 'object' || o === null) fail('settings must be an object {inputRange, mean, std, classNames}');
  if (!numbers(o.inputRange) || o.inputRange.length !== 2) fail('settings.inputRange must be two numbers');
  if (!numbers(o.mean) || !numbers(o.std)) fail('settings.mean and settings.std must be lists of numbers');
  if (!Array.isArray(o.classNames) || o.classNames.some((n) => typeof n !== 'string')) fail('settings.classNames must be a list of names');
  return { inputRange: [o.inputRange[0], o.inputRange[1]], mean: [...o.mean], std: [...o.std], classNames: o.classNames.map((n) => n.trim()) };
}

async function takenNames(except?: string): Promise<string[]> {
  return (await listModels()).filter((m) => m.id !== except).map((m) => m.name);
}

function loadStored(m: StoredModel<UserModelCard>) {
  const json = m.artifacts.modelTopology;
  const weights = m.artifacts.weightData;
  return loadUserModel(json, async () => weights, m.card.settings);
}

function register(card: UserModelCard, loaded: Awaited<ReturnType<typeof loadUserModel>>): void {
  registerOwnModel(card.id, {
    entry: userModelEntry(card),
    attackModel: loaded.attackModel,
    model: null,
    gradients: loaded.report.gradients,
    dispose: loaded.dispose,
  });
}

/** Registered own models with the version (name/test set) this worker has. */
const fromStore = new Map<string, string>();
/**
 * Stored models whose card reads well but whose model does not (weights cut short or altered, a model.json that no
 * longer loads): the version tried and why, in words. They are listed as damaged, not as models, and not retried.
 */
const unreadable = new Map<string, { version: string; reason: string }>();
const versionOf = (c: UserModelCard) => `${c.name}\u0000${c.dataset}`;
let syncing: Promise<void> = Promise.resolve();

/** Makes this worker's list match the stored own models: new ones loaded, renamed ones re-entered, removed ones freed. */
export function syncUserModels(): Promise<void> {
  syncing = syncing.then(async () => {
    try {
      const s = userStore();
      const items = await s.list();
      const ids = new Set(items.map((i) => i.id));
      for (const item of items) {
        const version = versionOf(item.card);
        if (fromStore.get(item.id) === version || unreadable.get(item.id)?.version === version) continue;
        // One record that does not load must not keep the ones after it out of the list.
        try {
          const full = await s.load(item.id);
          if (!full) continue;
          register(full.card, await loadStored(full));
          fromStore.set(item.id, version);
          unreadable.delete(item.id);
        } catch (err) {
          const reason = (err as Error).message.replace(/\.$/, '');
          unreadable.set(item.id, { version, reason: `the model does not load (${reason})` });
          console.warn(`Your model ${item.card.name} could not be restored: ${reason}`);
        }
      }
      for (const id of [...fromStore.keys(), ...unreadable.keys()]) {
        if (ids.has(id)) continue;
        if (fromStore.delete(id)) unregisterModel(id);
        unreadable.delete(id);
      }
    } catch (err) {
      console.warn(`Your saved models were not read: ${(err as Error).message}`);
    }
  });
  return syncing;
}

setRegisteredSync(syncUserModels);

export const userModelsApi = {
  /** What the loader notices about the files, with starting values for the form. Nothing is kept. */
  async userModelInspect(files: DroppedFile[]): Promise<UserModelInspection> {
    const parts = sortModelFiles(checkFiles(files));
    const loaded = await loadUserModel(parts.json, parts.readWeights, { inputRange: [0, 1], mean: [], std: [], classNames: [] });
    loaded.dispose();
    const r = loaded.report;
    return {
      report: r,
      name: uniqueName(parts.suggestedName, await takenNames()),
      classNames: r.metadataClassNames ?? Array.from({ length: r.numClasses }, (_, i) => `class ${i}`),
      dataset: defaultDataset(r),
    };
  },

  /** Loads, checks, keeps and registers the model; a file or setting that does not fit changes nothing. */
  async userModelAdd(files: DroppedFile[], request: UserModelAddRequest): Promise<UserModelCard> {
    const parts = sortModelFiles(checkFiles(files));
    if (typeof request !== 'object' || request === null) fail('request must be an object {name, settings, dataset}');
    const settings = checkSettings(request.settings);
    const dataset = checkChoice(request.dataset, 'dataset', USER_MODEL_DATASETS);
    if (typeof request.name !== 'string' || !request.name.trim()) fail('Give the model a name.');
    const loaded = await loadUserModel(parts.json, parts.readWeights, settings);
    let kept = false;
    try {
      if (!datasetFits(dataset, loaded.report)) fail(`The ${dataset} test images are 28×28 grey pictures of 10 classes; this model takes ${loaded.report.inputShape.join('×')} with ${loaded.report.numClasses} classes. Choose “none” and bring your own images.`);
      const addedAt = new Date();
      const name = uniqueName(request.name, await takenNames());
      const card: UserModelCard = { id: userModelId(name, addedAt), name, settings, dataset, report: loaded.report, addedAt: addedAt.toISOString() };
      const bundle = await bundleModelFiles(parts.json, parts.readWeights);
      await userStore().save({ id: card.id, card, artifacts: { modelTopology: bundle.modelJson, weightSpecs: (bundle.modelJson.weightsManifest as { weights: never[] }[])[0].weights, weightData: bundle.weights }, savedAt: card.addedAt });
      register(card, loaded);
      kept = true;
      fromStore.set(card.id, versionOf(card));
      return card;
    } finally {
      // Anything that failed before registration leaves no weights behind.
      if (!kept) loaded.dispose();
    }
  },

  /** Your models, oldest first; those that cannot be used are listed by userModelDamaged instead. */
  async userModelList(): Promise<UserModelCard[]> {
    await syncUserModels();
    return (await userStore().list()).filter((s) => !unreadable.has(s.id)).map((s) => s.card);
  },

  /** Stored records that cannot be used (a damaged card, weights missing or unreadable), with why: listed with Delete. */
  async userModelDamaged(): Promise<DamagedRecord[]> {
    await syncUserModels();
    const records = await damagedRecords(userStore());
    return [...records, ...[...unreadable].map(([id, u]) => ({ id, damaged: true as const, reason: u.reason }))];
  },

  /** A new name (made unique among every listed model). */
  async userModelRename(id: string, name: string): Promise<UserModelCard> {
    if (typeof name !== 'string' || !name.trim()) fail('A model needs a name.');
    const s = userStore();
    const full = await s.load(id);
    if (!full) fail(`There is no model of yours called ${describeGiven(id)}.`);
    const card = { ...full.card, name: uniqueName(name, await takenNames(id)) };
    await s.save({ ...full, card });
    await syncUserModels();
    return card;
  },

  /** Forgets the model (storage and this worker; the other worker notices on its next list). */
  async userModelRemove(id: string): Promise<boolean> {
    const stored = await userStore().remove(id);
    fromStore.delete(id);
    unreadable.delete(id);
    const listed = unregisterModel(id);
    return stored || listed;
  },

  /** model.json (manifest naming weights.bin), weights.bin and settings.json, to load again anywhere. */
  async userModelExport(id: string): Promise<{ name: string; modelJson: string; weights: ArrayBuffer; settingsJson: string }> {
    const full = await userStore().load(id);
    if (!full) fail(`There is no model of yours called ${describeGiven(id)}.`);
    const { name, settings, dataset, report } = full.card;
    const out = {
      name,
      modelJson: JSON.stringify(full.artifacts.modelTopology),
      weights: full.artifacts.weightData.slice(0),
      settingsJson: `${JSON.stringify({ name, settings, dataset, notes: report.notes }, null, 2)}\n`,
    };
    return Comlink.transfer(out, [out.weights]);
  },
};
