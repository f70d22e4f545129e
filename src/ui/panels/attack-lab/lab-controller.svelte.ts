/**
 * The Attack Lab as the page holds it, outside its components: the chosen model, attack, input and the last
 * result. A tab switch unmounts the panel but keeps all of this (and lets a running attack finish), so coming back
 * shows the same image, settings and result. The URL side is lab-state.ts.
 */
import type { AttackSummary, LabAttackOptions, LabAttackResult, ModelSummary } from '../../../worker/attack-lab-api';
import { argmax } from '../../../lib/util/argmax';
import { imageSetFits, type ImageSetSummary } from '../../../lib/data/user-image-set';
import { getEngine } from '../../engine';
import { Job, latestWins } from '../../job.svelte';
import { currentAddressVersion } from '../../state/url-schema';
import { readHash, reportUrlProblem } from '../../url-state';
import type { AttackParams } from './AttackControls.svelte';
import type { LabDefense } from './DefensePicker.svelte';
import type { TransferRow } from './TransferView.svelte';
import { defaultEpsilon, inputChannels } from '../../../lib/util/default-epsilon';
import { INPUT_SOURCES, readLabState, writeLabState, type InputSource } from './lab-state';
import { amplificationFor, fileStem, imagePng, runJson, signedPng } from './export';
import { downloadBlob as download } from '../../download';
import { stepEpsilon } from '../../components/epsilon-scale';
import { onShortcut, type ShortcutAction } from '../../presenter.svelte';
import { DEFAULT_STICKER_TARGET, stickers } from './sticker-state.svelte';

/** Live attacks rerun this long after the last change (a moving slider sends many). */
const DEBOUNCE_MS = 160;
/** Gradient steps (× restarts) from which a run is known to take seconds: its progress shows from the start. */
const SLOW_STEPS = 200;

class LabController {
  models = $state<ModelSummary[]>([]);
  attacks = $state<AttackSummary[]>([]);
  modelId = $state('');
  params = $state<AttackParams>({ attack: 'pgd', epsilon: 0.1, norm: null, steps: null, stepSize: null, randomStart: null, restarts: null, target: null, extra: {}, surrogate: null });
  source = $state<InputSource>('gallery');
  testIndex = $state<number | null>(0);
  classFilter = $state<number | null>(null);
  shuffle = $state<number | null>(null);
  /** Per source, the image each holds, so switching sources does not lose a drawing. */
  images = $state<Record<InputSource, Float32Array | null>>({ gallery: null, draw: null, upload: null });
  galleryLabel = $state<number | null>(null);
  uploadName = $state<string | null>(null);

  cleanProbabilities = $state<Float32Array | null>(null);
  result = $state<LabAttackResult | null>(null);
  /** The settings the shown result was computed with; compared with the current ones to grey out a stale result. */
  resultKey = $state('');
  transferRows = $state<TransferRow[]>([]);
  /** One job for the lab: a newer run supersedes the one in flight (the worker cancels it). */
  readonly job = new Job('attack-lab');
  showProgress = $state(false);
  /** A run has taken long enough that the old result should look superseded (quick live reruns do not flicker). */
  slowRun = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  warnings = $state<string[]>([]);
  ready = $state(false);

  private readonly predictRequest = latestWins();
  /** Each run's transfer predictions land only while no newer run has started. */
  private readonly runRequest = latestWins();
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private timers: ReturnType<typeof setTimeout>[] = [];

  readonly model = $derived(this.models.find((m) => m.id === this.modelId) ?? null);
  /** A person's own image sets ("Your models" panel); those that fit the model can be the gallery. */
  imageSets = $state<ImageSetSummary[]>([]);
  /** The chosen own set's id, or '' for the model's test set. */
  gallerySet = $state('');
  readonly fittingSets = $derived(this.model ? this.imageSets.filter((s) => imageSetFits(s, this.model!)) : []);
  /** The dataset id the gallery shows: the chosen own set, else the test set (a model without one: its first own set). */
  readonly galleryDataset = $derived(
    this.fittingSets.some((s) => s.id === this.gallerySet) ? this.gallerySet : this.model?.dataset === 'user' ? (this.fittingSets[0]?.id ?? 'user') : (this.model?.dataset ?? 'mnist'),
  );
  readonly spec = $derived(this.attacks.find((a) => a.id === this.params.attack) ?? null);
  /** A model the gradient cannot pass (one a person brought) is offered only gradient-free attacks. */
  readonly offeredAttacks = $derived(this.model && !this.model.gradients ? this.attacks.filter((a) => a.needs !== 'gradients') : this.attacks);
  readonly norm = $derived(this.params.norm ?? this.spec?.norm ?? 'linf');
  readonly classNames = $derived(this.model?.classNames ?? []);
  readonly rows = $derived(this.model ? this.model.inputShape[0] : 28);
  readonly cols = $derived(this.model ? (this.model.inputShape[1] ?? 1) : 28);
  /** 1 for grey models, 3 for colour ones (the signs): every image view and export follows it. */
  readonly channels = $derived(this.model ? inputChannels(this.model.inputShape) : 1);
  /** Drawing a digit makes sense only for grey, MNIST-like inputs. */
  readonly sources = $derived<readonly InputSource[]>(this.channels === 1 ? INPUT_SOURCES : INPUT_SOURCES.filter((s) => s !== 'draw'));
  readonly image = $derived(this.images[this.source]);
  /** Gallery images carry their label; drawn and uploaded ones are attacked away from the model's own prediction. */
  readonly labelKnown = $derived(this.source === 'gallery' && this.galleryLabel !== null);
  readonly label = $derived(this.labelKnown ? this.galleryLabel : this.cleanProbabilities ? argmax(this.cleanProbabilities) : null);
  /** Gradient attacks on one image take well under a second: they follow the controls live. */
  /** The sticker attack on a test sign: stickers placed on the sign's face, moved by the person (sticker-state). */
  readonly stickerMode = $derived(this.spec?.id === 'sticker');
  readonly live = $derived(this.spec?.kind === 'gradient' && !this.stickerMode);
  /** In sticker mode on a test sign, ε (L0) is the stickers' size; the ε control gives way to it. */
  readonly stickerEpsilon = $derived(
    this.stickerMode && this.source === 'gallery' && stickers.layout ? `${stickers.layout.pixels * this.channels} values: the stickers' ${stickers.layout.pixels} pixels × ${this.channels} channels` : null,
  );
  readonly shown = $derived(this.result?.results[0] ?? null);
  readonly amplification = $derived(amplificationFor(this.shown ? this.shown.linf : this.norm === 'linf' ? this.params.epsilon : 0.1));
  /** A defense in front of the model (Defenses panel catalog), kept in the address as def= and dgrad=. */
  defense = $state<LabDefense>({ id: null, gradient: 'naive' });
  readonly currentKey = $derived(JSON.stringify([this.modelId, this.params, this.source, this.testIndex, this.image?.length, this.uploadName, this.defense, this.stickerMode ? stickers.rects : null]));
  readonly stale = $derived(this.result !== null && this.resultKey !== this.currentKey);
  readonly peers = $derived(
    this.models.filter((m) => m.id !== this.modelId && m.dataset === this.model?.dataset && m.inputShape.join() === this.model?.inputShape.join()),
  );

  /** The address version whose scene the controller holds, and the one being opened. */
  private readAt = -1;
  private openingAt = -1;

  /**
   * Called on every mount: the first (or the first after the address changed from outside, see addressChanged)
   * reads the address and the engine's lists; later ones refresh the model list only.
   */
  async open(): Promise<void> {
    if (this.openingAt === currentAddressVersion()) {
      await this.loadLists().catch(() => undefined);
      return;
    }
    const version = currentAddressVersion();
    this.openingAt = version;
    // A newer address (the next lesson step, a pasted link) may arrive while this one loads: then this open stops
    // and never writes its older scene back.
    const superseded = () => version !== currentAddressVersion();
    try {
      await this.loadLists();
      if (superseded()) return;
      if (this.models.length === 0) throw new Error('The model zoo lists no image models (models/index.json).');
      const fallback = this.models.find((m) => m.id === 'mnist-cnn')?.id ?? this.models[0].id;
      // The address's problems are reported to the page (url-state.ts), which shows every panel's in one place.
      const { state } = readLabState(this.models.map((m) => m.id), this.attacks, fallback);
      this.modelId = state.model;
      // The address allows any class up to 99; this model has its own list (10 digits, 14 signs).
      if (state.target !== null && state.target >= this.classNames.length) {
        reportUrlProblem(`“target=${state.target}” in the address is not a class of ${state.model} (0–${this.classNames.length - 1}); the attack is untargeted.`);
        state.target = null;
      }
      this.warnings = [];
      this.params = {
        attack: state.attack,
        epsilon: state.epsilon,
        norm: null,
        steps: state.steps,
        stepSize: state.stepSize,
        randomStart: state.randomStart,
        restarts: state.restarts,
        target: this.attacks.find((a) => a.id === state.attack)?.targeted ? state.target : null,
        extra: {},
        surrogate: null,
      };
      // No ε in the address: the model's own default (8/255 for colour signs in L∞).
      if (readHash().eps === undefined) this.params.epsilon = defaultEpsilon(this.norm, this.channels);
      // A model the gradient cannot pass gets a gradient-free attack, whatever the address asked for.
      if (!this.offeredAttacks.some((x) => x.id === this.params.attack) && this.offeredAttacks.length) {
        this.warnings = [...this.warnings, `${this.model?.name} lets no gradient through: ${this.spec?.name ?? state.attack} was replaced by ${this.offeredAttacks[0].name}.`];
        this.params = { ...this.params, attack: this.offeredAttacks[0].id, target: null };
      }
      this.source = this.sources.includes(state.source) ? state.source : 'gallery';
      this.defense = { id: state.defense, gradient: state.defenseGradient };
      this.classFilter = state.classFilter;
      this.shuffle = state.shuffle;
      this.readAt = version;
      await getEngine().loadModel(this.modelId);
      await this.loadTestImage(state.image);
      if (superseded()) return;
      this.ready = true;
      this.changed({ input: true, immediate: true });
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private async loadLists(): Promise<void> {
    const engine = getEngine();
    const [all, list, sets] = await Promise.all([engine.listModels(), engine.listAttacks(), engine.imageSetList()]);
    this.imageSets = sets;
    // Models of one dataset side by side (standard next to robust), datasets in the order the zoo lists them.
    const images = all.filter((m) => m.kind === 'image');
    const datasetOrder = [...new Set(images.map((m) => m.dataset))];
    this.models = datasetOrder.flatMap((d) => images.filter((m) => m.dataset === d));
    this.attacks = list;
  }

  saveState(): void {
    // Until the current address has been read, the controller holds the previous scene: never write it over the new one.
    if (this.readAt !== currentAddressVersion()) return;
    const p = this.params;
    writeLabState({
      model: this.modelId,
      attack: p.attack,
      epsilon: p.epsilon,
      steps: p.steps,
      stepSize: p.stepSize,
      randomStart: p.randomStart,
      restarts: p.restarts,
      target: p.target,
      source: this.source,
      image: this.testIndex ?? 0,
      classFilter: this.classFilter,
      shuffle: this.shuffle,
      defense: this.defense.id,
      defenseGradient: this.defense.gradient,
    });
  }

  setDefense(next: LabDefense): void {
    this.defense = next;
    this.changed();
  }

  private attackOptions(): LabAttackOptions {
    const { params, spec } = this;
    const o: LabAttackOptions = { epsilons: [params.epsilon], seed: 1 };
    if (!spec) return o;
    const has = (k: string) => spec.defaults[k] !== undefined;
    if (params.norm) o.norm = params.norm;
    if (params.steps !== null && has('steps')) o.steps = params.steps;
    if (params.stepSize !== null && (has('steps') || has('stepSize'))) o.stepSize = params.stepSize;
    if (params.randomStart !== null && has('randomStart')) o.randomStart = params.randomStart;
    if (params.restarts !== null && has('restarts')) o.restarts = params.restarts;
    for (const [k, v] of Object.entries(params.extra)) if (has(k)) (o as Record<string, unknown>)[k] = v;
    if (params.target !== null && spec.targeted) {
      o.targeted = true;
      o.target = { mode: 'given', label: params.target };
    }
    // Stickers: the mask the person placed; ε (L0) is its size in values, pixels × channels.
    const layout = stickers.layout;
    if (spec.id === 'sticker' && this.source === 'gallery' && layout && layout.pixels > 0) {
      o.stickerMask = Float32Array.from(layout.mask);
      o.epsilons = [layout.pixels * this.channels];
    }
    if (spec.needs === 'surrogate') o.surrogateModelId = params.surrogate ?? this.peers[0]?.id;
    return $state.snapshot(o) as LabAttackOptions;
  }

  private async predictClean(): Promise<void> {
    const current = this.predictRequest();
    const img = this.image;
    if (!img || !this.modelId) {
      this.cleanProbabilities = null;
      return;
    }
    try {
      const p = await getEngine().predict(this.modelId, img);
      if (current()) this.cleanProbabilities = p;
    } catch (e) {
      if (current()) this.error = (e as Error).message;
    }
  }

  /** Something changed: save it, and rerun now-ish (live attacks) or wait for the Run button. */
  changed({ input = false, immediate = false } = {}): void {
    this.saveState();
    if (input) void this.predictClean();
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    if (immediate) void this.run();
    else if (this.live) this.debounce = setTimeout(() => void this.run(), DEBOUNCE_MS);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.showProgress = false;
    this.slowRun = false;
  }

  async run(): Promise<void> {
    const img = this.image;
    const spec = this.spec;
    const modelId = this.modelId;
    if (!img || !modelId || !spec) return;
    if (spec.id === 'sticker' && this.source === 'gallery' && this.model) await stickers.ensure(this.model.dataset, this.testIndex, this.rows, this.cols);
    const key = this.currentKey;
    const labelKnown = this.labelKnown;
    const galleryLabel = this.galleryLabel;
    const options = this.attackOptions();
    const defense = this.defense;
    this.error = null;
    this.notice = null;
    this.clearTimers();
    const newest = this.runRequest();
    const expectSlow = !this.live || (options.steps ?? 0) * (options.restarts ?? 1) >= SLOW_STEPS;
    const outcome = await this.job.run(async (ctx) => {
      // Progress, ETA and Cancel show in the result area: at once for a run that will be slow (many gradient steps,
      // or an attack that only queries the model), otherwise after 0.25 s, so quick live reruns do not flicker.
      if (expectSlow) {
        this.showProgress = true;
        this.slowRun = true;
      } else {
        this.timers.push(setTimeout(() => ctx.current() && (this.showProgress = true), 250));
        this.timers.push(setTimeout(() => ctx.current() && (this.slowRun = true), 400));
      }
      const engine = getEngine();
      // Drawn and uploaded images have no label: the attack moves them away from the model's own prediction.
      const y = labelKnown && galleryLabel !== null ? galleryLabel : argmax(await engine.predict(modelId, img));
      if (!ctx.current()) throw new Error('superseded');
      return engine.runAttack(ctx.id, { modelId, attackId: spec.id, options, image: img, label: y, defense: defense.id ? { id: defense.id, gradient: defense.gradient, samples: 8 } : undefined }, ctx.onProgress);
    });
    if (outcome.status === 'superseded') return;
    this.clearTimers();
    if (outcome.status === 'done') {
      this.result = outcome.value;
      this.resultKey = key;
      void this.transfer(outcome.value, img, newest);
    } else if (outcome.status === 'cancelled') {
      this.notice = 'The attack was cancelled.';
    } else {
      this.error = outcome.error;
    }
  }

  private async transfer(res: LabAttackResult, original: Float32Array, isShown: () => boolean): Promise<void> {
    const others = this.peers;
    const own = res.results[0];
    if (others.length === 0 || !own) {
      this.transferRows = [];
      return;
    }
    const first: TransferRow = {
      modelId: res.modelId,
      name: this.model?.name ?? res.modelId,
      robust: this.model?.robust ?? false,
      before: res.clean.probabilities,
      after: own.probabilities,
      source: true,
    };
    try {
      const ids = others.map((m) => m.id);
      const engine = getEngine();
      const [before, after] = await Promise.all([engine.transferPredictions(original, ids), engine.transferPredictions(own.adversarial, ids)]);
      if (!isShown()) return;
      this.transferRows = [first, ...others.map((m, i) => ({ modelId: m.id, name: m.name, robust: m.robust, before: before[i].probabilities, after: after[i].probabilities }))];
    } catch (e) {
      if (isShown()) this.error = (e as Error).message;
    }
  }

  cancel(): void {
    void this.job.cancel();
  }

  /** Presenter keys: run, or ε one slider step up or down (a live attack then reruns by itself). */
  shortcut(action: ShortcutAction): void {
    if (!this.ready) return;
    if (action === 'run') {
      if (this.image && !this.job.running) void this.run();
      return;
    }
    const epsilon = stepEpsilon(this.params.epsilon, this.norm, action === 'eps-up' ? 1 : -1);
    if (epsilon !== this.params.epsilon) this.setParams({ epsilon });
  }

  /** Listens for the presenter's shortcuts while the lab is on screen; returns the function that stops it. */
  listenShortcuts(): () => void {
    return onShortcut((action) => this.shortcut(action));
  }

  setParams(changes: Partial<AttackParams>): void {
    const params = this.params;
    if (changes.attack && changes.attack !== params.attack) {
      const next = this.attacks.find((a) => a.id === changes.attack);
      const nextNorm = next?.norm ?? 'linf';
      // Options belong to an attack: a new one starts from its own defaults, with ε in its own norm.
      this.params = {
        ...params,
        attack: changes.attack,
        norm: null,
        epsilon: nextNorm === this.norm ? params.epsilon : defaultEpsilon(nextNorm, this.channels),
        steps: null,
        stepSize: null,
        randomStart: null,
        restarts: null,
        extra: {},
        target: next?.targeted ? params.target : null,
      };
      // Stickers on a stop sign aim at "Speed limit 50" by default, as in Eykholt et al.; they run on request.
      const sticker = changes.attack === 'sticker';
      const speed50 = this.classNames.findIndex((n) => DEFAULT_STICKER_TARGET.test(n));
      if (sticker && speed50 >= 0 && this.label !== null && this.classNames[this.label] === 'Stop') this.params.target = speed50;
      this.result = null;
      this.changed({ immediate: next?.kind === 'gradient' && !sticker });
      return;
    }
    if (changes.norm && changes.norm !== this.norm) changes = { ...changes, epsilon: defaultEpsilon(changes.norm, this.channels) };
    this.params = { ...params, ...changes };
    this.changed();
  }

  async setModel(id: string): Promise<void> {
    const previous = this.model;
    this.modelId = id;
    const next = this.models.find((m) => m.id === id);
    if (previous && next && previous.dataset !== next.dataset) {
      this.images = { gallery: null, draw: null, upload: null };
      this.uploadName = null;
      this.result = null;
      // Another input world: ε back to its default there, no target of the old class list, no drawing on colour.
      this.params = { ...this.params, epsilon: defaultEpsilon(this.norm, this.channels), target: this.params.target === null ? null : 0 };
      if (!this.sources.includes(this.source)) this.source = 'gallery';
      this.testIndex = 0;
      await this.loadTestImage(0);
    }
    try {
      await getEngine().loadModel(id);
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    this.transferRows = [];
    const offered = next && !next.gradients ? this.attacks.filter((a) => a.needs !== 'gradients') : this.attacks;
    if (offered.length && !offered.some((a) => a.id === this.params.attack)) {
      this.setParams({ attack: offered[0].id });
      return;
    }
    this.changed({ input: true, immediate: true });
  }

  private async loadTestImage(index: number): Promise<void> {
    if (!this.model) return;
    try {
      const got = await getEngine().getTestImages(this.galleryDataset, { offset: index, count: 1 });
      this.images = { ...this.images, gallery: Float32Array.from(got.pixels, (v) => v / 255) };
      this.galleryLabel = got.labels[0];
      this.testIndex = index;
    } catch (e) {
      this.warnings = [...this.warnings, `Test image ${index} could not be loaded (${(e as Error).message}); showing image 0.`];
      if (index !== 0) await this.loadTestImage(0);
    }
  }

  /** Shows an own image set (or, with '', the test set) in the gallery, from its first image. */
  async setGallerySet(id: string): Promise<void> {
    this.gallerySet = id;
    this.result = null;
    await this.loadTestImage(0);
    this.changed({ input: true, immediate: true });
  }

  setSource(s: InputSource): void {
    this.source = s;
    this.result = null;
    this.transferRows = [];
    this.changed({ input: true, immediate: true });
  }

  pickGallery(p: { image: Float32Array; label: number; index: number }): void {
    this.images = { ...this.images, gallery: p.image };
    this.galleryLabel = p.label;
    this.testIndex = p.index;
    this.result = null;
    this.changed({ input: true, immediate: true });
  }

  setOrder(o: { classFilter: number | null; shuffle: number | null }): void {
    this.classFilter = o.classFilter;
    this.shuffle = o.shuffle;
    this.saveState();
  }

  setDrawn(img: Float32Array | null): void {
    this.images = { ...this.images, draw: img };
    // Undo or Clear: the result and the transfer view were of the drawing before; they go (a new run follows).
    this.result = null;
    this.transferRows = [];
    this.changed({ input: true, immediate: true });
  }

  setUploaded(img: Float32Array | null, name: string | null): void {
    this.images = { ...this.images, upload: img };
    this.uploadName = name;
    this.result = null;
    this.transferRows = [];
    this.changed({ input: true, immediate: true });
  }

  // ---- export

  async exportAdversarial(): Promise<void> {
    const { result, shown } = this;
    if (!result || !shown) return;
    download(await imagePng(shown.adversarial, this.cols, this.rows, this.channels), `${fileStem(result, shown.epsilon)}-adversarial.png`);
  }

  async exportPerturbation(): Promise<void> {
    const { result, shown } = this;
    if (!result || !shown) return;
    download(await signedPng(shown.delta, this.cols, this.rows, 1 / this.amplification, this.channels), `${fileStem(result, shown.epsilon)}-perturbation-x${this.amplification}.png`);
  }

  async exportJson(): Promise<void> {
    const { result, shown, label } = this;
    if (!result || !shown || label === null) return;
    const backend = (await getEngine().backendInfo())?.backend ?? null;
    const blob = runJson(result, 0, {
      input: { source: this.source, testIndex: this.source === 'gallery' ? this.testIndex : null, label, labelName: this.classNames[label] ?? String(label) },
      classNames: this.classNames,
      amplification: this.amplification,
      backend,
      shape: this.model?.inputShape ?? [this.rows, this.cols, this.channels],
    });
    download(blob, `${fileStem(result, shown.epsilon)}.json`);
  }
}

/** The page's one Attack Lab. */
export const lab = new LabController();
