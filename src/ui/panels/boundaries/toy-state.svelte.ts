/**
 * The 2-D toy playground as the page holds it, outside its components: the settings (declared once in the URL
 * schema below), the playground's mirror of the engine's model (data, class map, evaluation, history) and the
 * training loop. The engine keeps the model itself; because nothing here is reset when the panel unmounts, a
 * trained model is still trained, and a playing loop still playing, after a tab switch.
 */
import type { ModelSummary } from '../../../worker/models';
import type { ToyCertificate, ToyEvaluation, ToyGridResult, ToySetup } from '../../../worker/boundaries-api';
import { TOY_DATASET_IDS, toyDatasetInfo, type ToyDatasetId } from '../../../lib/data/toy';
import { MLP_ACTIVATIONS, type MlpActivation } from '../../../lib/models/mlp-config';
import { isCancelled } from '../../../lib/util/cancel';
import { getEngine } from '../../engine';
import { Job } from '../../job.svelte';
import { bool, choice, currentAddressVersion, urlSchema } from '../../state/url-schema';
import { param } from '../../state/param';
import { TOY_FIELDS } from '../../../lib/validate/numeric';
import type { BallMode, Probe } from './ToyPlot.svelte';

/** Steps per training chunk: the map, points and curves refresh after each. */
export const CHUNK = 25;
const GRID = 100;
export const TOY_ATTACKS = [
  { id: 'pgd', name: 'PGD (L∞, 10 steps)', norm: 'linf', steps: 10 },
  { id: 'fgsm', name: 'FGSM (L∞)', norm: 'linf', steps: 1 },
  { id: 'pgd-l2', name: 'PGD (L2, 10 steps)', norm: 'l2', steps: 10 },
] as const;
type AttackId = (typeof TOY_ATTACKS)[number]['id'];
export const TOY_METHODS = [
  { id: 'standard', name: 'Off (standard training)' },
  { id: 'pgd', name: 'PGD-AT (Madry)' },
  { id: 'fgsm-rs', name: 'FGSM-RS (fast AT)' },
  { id: 'trades', name: 'TRADES' },
] as const;
type MethodId = (typeof TOY_METHODS)[number]['id'];

export const TOY_URL = urlSchema({
  'b-data': choice(TOY_DATASET_IDS, 'spiral'),
  'b-classes': param(2, TOY_FIELDS.classes),
  'b-noise': param(0.03, TOY_FIELDS.noise),
  'b-n': param(300, TOY_FIELDS.n),
  'b-imb': param(1, TOY_FIELDS.imbalance),
  'b-seed': param(1, TOY_FIELDS.seed),
  'b-layers': param(3, TOY_FIELDS.layers),
  'b-width': param(32, TOY_FIELDS.width),
  'b-act': choice(MLP_ACTIVATIONS, 'relu'),
  'b-lr': param(0.01, TOY_FIELDS.learningRate),
  'b-batch': param(32, TOY_FIELDS.batchSize),
  'b-eps': param(0.1, TOY_FIELDS.epsilon),
  'b-attack': choice(TOY_ATTACKS.map((a) => a.id), 'pgd'),
  'b-cert': bool(false),
  'b-csigma': param(0.1, TOY_FIELDS.certSigma),
  'b-cdraws': param(1000, TOY_FIELDS.certDraws),
});

export interface HistoryPoint {
  step: number;
  loss: number;
  clean: number;
  robust: number;
  adversarial: boolean;
}

class ToyState {
  // Settings
  dataset = $state<ToyDatasetId>('spiral');
  classes = $state(2);
  noise = $state(0.03);
  n = $state(300);
  /** First class : last class. */
  imbalance = $state(1);
  seed = $state(1);
  layers = $state(3);
  width = $state(32);
  activation = $state<MlpActivation>('relu');
  learningRate = $state(0.01);
  batchSize = $state(32);
  epsilon = $state(0.1);
  attackId = $state<AttackId>('pgd');
  method = $state<MethodId>('standard');
  split = $state<'train' | 'test'>('test');
  discretise = $state(false);
  balls = $state<BallMode>('all');
  view = $state<'current' | 'before'>('current');

  // The engine's playground, mirrored
  setup = $state<ToySetup | null>(null);
  map = $state<ToyGridResult | null>(null);
  evaluation = $state<ToyEvaluation | null>(null);
  hasSnapshot = $state(false);
  shipped = $state<ModelSummary[]>([]);
  source = $state('new');
  playing = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  history = $state<HistoryPoint[]>([]);
  /** Step at which adversarial training was first turned on (for the before/after note). */
  adversarialFrom = $state<number | null>(null);

  // The selected point, possibly dragged away from its place, and its adversarial counterpart
  selected = $state<number | null>(0);
  moved = $state<[number, number] | null>(null);
  probe = $state<Probe | null>(null);
  private readonly probeJob = new Job('toy-drag');

  // The selected point's certified L2 disc (randomized smoothing: σ in data units, N estimation draws)
  certifyOn = $state(false);
  certSigma = $state(0.1);
  certDraws = $state(1000);
  certificate = $state<ToyCertificate | null>(null);
  readonly certifyJob = new Job('toy-certify');
  private certifyTimer: ReturnType<typeof setTimeout> | null = null;
  private probeTimer: ReturnType<typeof setTimeout> | null = null;
  private evalTimer: ReturnType<typeof setTimeout> | null = null;

  readonly attack = $derived(TOY_ATTACKS.find((a) => a.id === this.attackId)!);
  readonly datasetInfo = $derived(toyDatasetInfo(this.dataset));
  readonly points = $derived.by(() => {
    if (!this.setup) return new Float32Array(0);
    const base = Float32Array.from(this.split === 'train' ? this.setup.train.x : this.setup.test.x);
    if (this.moved && this.selected !== null && this.selected < base.length / 2) {
      base[2 * this.selected] = this.moved[0];
      base[2 * this.selected + 1] = this.moved[1];
    }
    return base;
  });
  readonly labels = $derived(this.setup ? (this.split === 'train' ? this.setup.train.y : this.setup.test.y) : new Int32Array(0));
  readonly step = $derived(this.setup ? (this.history.length ? this.history[this.history.length - 1].step : this.setup.step) : 0);

  private readAt = -1;

  /**
   * Called on every mount: the first (or the first after the address changed from outside, see addressChanged)
   * reads the address and creates the playground; later ones find it as it was.
   */
  async open(): Promise<void> {
    if (this.readAt === currentAddressVersion()) return;
    this.readAt = currentAddressVersion();
    this.playing = false;
    const u = TOY_URL.read();
    this.dataset = u['b-data'];
    this.classes = u['b-classes'];
    this.noise = u['b-noise'];
    this.n = u['b-n'];
    this.imbalance = u['b-imb'];
    this.seed = u['b-seed'];
    this.layers = u['b-layers'];
    this.width = u['b-width'];
    this.activation = u['b-act'];
    this.learningRate = u['b-lr'];
    this.batchSize = u['b-batch'];
    this.epsilon = u['b-eps'];
    this.attackId = u['b-attack'];
    this.certifyOn = u['b-cert'];
    this.certSigma = u['b-csigma'];
    this.certDraws = u['b-cdraws'];
    try {
      this.shipped = (await getEngine().listModels()).filter((m) => m.kind === 'toy');
    } catch {
      this.shipped = [];
    }
    await this.create();
  }

  saveHash(): void {
    TOY_URL.write({
      'b-data': this.dataset,
      'b-classes': this.classes,
      'b-noise': this.noise,
      'b-n': this.n,
      'b-imb': this.imbalance,
      'b-seed': this.seed,
      'b-layers': this.layers,
      'b-width': this.width,
      'b-act': this.activation,
      'b-lr': this.learningRate,
      'b-batch': this.batchSize,
      'b-eps': this.epsilon,
      'b-attack': this.attackId,
      'b-cert': this.certifyOn,
      'b-csigma': this.certSigma,
      'b-cdraws': this.certDraws,
    });
  }

  private report(e: unknown): void {
    // Cancellation (a newer request under the same job id) is a quiet outcome.
    if (isCancelled(e)) return;
    this.error = (e as Error).message;
    this.playing = false;
  }

  private attackRequest() {
    return { attackId: this.attackId, norm: this.attack.norm, epsilon: this.epsilon, steps: this.attack.steps, which: this.view };
  }

  /** Class map and evaluation of the model on view, then the selected point's probe. */
  private async refresh(): Promise<ToyEvaluation | null> {
    if (!this.setup) return null;
    const engine = getEngine();
    const [grid, ev] = await Promise.all([
      engine.toyGrid('toy-grid', { resolution: GRID, which: this.view }),
      engine.toyEvaluate('toy-eval', { ...this.attackRequest(), split: this.split }),
    ]);
    this.map = grid;
    this.evaluation = ev;
    this.probeSelected(0);
    return ev;
  }

  private afterSetup(next: ToySetup): void {
    this.setup = next;
    this.classes = next.classes;
    this.history = [];
    this.hasSnapshot = false;
    this.adversarialFrom = null;
    this.view = 'current';
    this.moved = null;
    this.probe = null;
    this.certificate = null;
    this.selected = 0;
    this.map = null;
    this.evaluation = null;
  }

  /** Runs a change of model or data: training stops first, errors are shown, the busy flag guards the buttons. */
  private async guarded(work: () => Promise<void>): Promise<void> {
    this.playing = false;
    this.busy = true;
    this.error = null;
    try {
      await work();
    } catch (e) {
      this.report(e);
    } finally {
      this.busy = false;
    }
  }

  create(): Promise<void> {
    return this.guarded(async () => {
      const info = toyDatasetInfo(this.dataset);
      this.classes = Math.min(info.maxClasses, Math.max(info.minClasses, this.classes));
      this.saveHash();
      this.source = 'new';
      const { dataset, n, noise, seed, classes, imbalance, layers, width, activation } = this;
      this.afterSetup(await getEngine().toyCreate({ dataset, n, noise, seed, classes, imbalance, layers, width, activation }));
      await this.refresh();
    });
  }

  loadShipped(id: string): Promise<void> {
    return this.guarded(async () => {
      const next = await getEngine().toyLoadShipped(id);
      // Show the model at the budget its robust version was trained for (the robust one at its own).
      const entry = this.shipped.find((m) => m.id === id);
      const trainedEps = entry?.epsilon ?? this.shipped.find((m) => m.id === `${id}-robust`)?.epsilon ?? null;
      if (trainedEps !== null) this.epsilon = trainedEps;
      if (next.train.y.length > 400) this.balls = 'broken';
      this.dataset = next.dataset;
      this.noise = next.noise;
      this.n = next.n;
      this.imbalance = next.imbalance;
      this.seed = next.seed;
      this.layers = next.architecture.layers;
      this.width = next.architecture.width;
      this.activation = next.architecture.activation;
      this.afterSetup(next);
      await this.refresh();
    });
  }

  /** The "start from" menu changed. */
  pickSource(): Promise<void> {
    return this.source === 'new' ? this.create() : this.loadShipped(this.source);
  }

  newSeed(): Promise<void> {
    this.seed = (this.seed * 7 + 13) % 100000;
    return this.create();
  }

  private async trainChunk(): Promise<void> {
    if (!this.setup) return;
    const engine = getEngine();
    if (this.method !== 'standard' && !this.hasSnapshot) {
      // The first adversarial chunk: keep the model as it was, for the before/after toggle.
      await engine.toySnapshot();
      this.hasSnapshot = true;
      this.adversarialFrom = this.step;
    }
    const { method, epsilon, learningRate, batchSize } = this;
    const r = await engine.toyTrain('toy-train', { steps: CHUNK, method, epsilon, learningRate, batchSize });
    const ev = await this.refresh();
    if (!ev) return;
    const current = this.view === 'current';
    this.history.push({
      step: r.step,
      loss: r.loss,
      clean: current ? ev.testAccuracy : NaN,
      robust: current && this.split === 'test' ? ev.robustAccuracy : NaN,
      adversarial: method !== 'standard',
    });
  }

  async play(): Promise<void> {
    if (this.playing || !this.setup) return;
    this.playing = true;
    this.view = 'current';
    this.error = null;
    try {
      while (this.playing) await this.trainChunk();
    } catch (e) {
      this.report(e);
    } finally {
      this.playing = false;
    }
  }

  togglePlay(): void {
    if (this.playing) this.playing = false;
    else this.play();
  }

  async stepOnce(): Promise<void> {
    if (this.playing || this.busy) return;
    this.busy = true;
    this.view = 'current';
    try {
      await this.trainChunk();
    } catch (e) {
      this.report(e);
    } finally {
      this.busy = false;
    }
  }

  reset(): Promise<void> {
    return this.guarded(async () => {
      this.afterSetup(await getEngine().toyReset());
      this.source = 'new';
      await this.refresh();
    });
  }

  /** The selected point's adversarial counterpart, debounced; a newer request supersedes the older (one Job). */
  probeSelected(delay = 40): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.selected === null || !this.setup) {
      this.probe = null;
      return;
    }
    this.probeTimer = setTimeout(async () => {
      const i = this.selected;
      if (i === null || i >= this.labels.length) return;
      const request = { ...this.attackRequest(), point: [this.points[2 * i], this.points[2 * i + 1]] as [number, number], label: this.labels[i] };
      if (this.certifyOn) this.certifySelected(0);
      const outcome = await this.probeJob.run((ctx) => getEngine().toyAttackPoint(ctx.id, request));
      if (outcome.status === 'done') this.probe = { adversarial: outcome.value.adversarial, success: outcome.value.success };
      else if (outcome.status === 'failed') this.error = outcome.error;
    }, delay);
  }

  /** The selected point's certificate (debounced; a newer request supersedes the older). */
  certifySelected(delay = 120): void {
    if (this.certifyTimer) clearTimeout(this.certifyTimer);
    const i = this.selected;
    if (!this.certifyOn || i === null || !this.setup || i >= this.labels.length) {
      this.certificate = null;
      return;
    }
    this.certifyTimer = setTimeout(async () => {
      if (!(this.certSigma >= 0.005 && this.certSigma <= 2 && Number.isInteger(this.certDraws) && this.certDraws >= 100 && this.certDraws <= 100_000)) return;
      const request = { point: [this.points[2 * i], this.points[2 * i + 1]] as [number, number], sigma: this.certSigma, draws: this.certDraws, which: this.view };
      const outcome = await this.certifyJob.run((ctx) => getEngine().toyCertifyPoint(ctx.id, request));
      if (outcome.status === 'done') this.certificate = outcome.value;
    }, delay);
  }

  /** The disc was switched on or off, or σ or N changed. */
  certifyChanged(): void {
    this.saveHash();
    this.certifySelected();
  }

  select(i: number): void {
    if (i !== this.selected) this.moved = null;
    this.selected = i;
    this.probeSelected(0);
  }

  move(i: number, x: number, y: number): void {
    this.selected = i;
    this.moved = [x, y];
    this.probeSelected();
  }

  /** Attack settings changed: re-evaluate (debounced while a slider moves); training picks them up by itself. */
  settingsChanged(): void {
    this.saveHash();
    if (this.playing) return;
    if (this.evalTimer) clearTimeout(this.evalTimer);
    this.evalTimer = setTimeout(() => {
      this.refresh().catch((e) => this.report(e));
    }, 120);
  }

  showModel(next: 'current' | 'before'): void {
    this.view = next;
    this.settingsChanged();
  }

  showSplit(): void {
    this.moved = null;
    this.settingsChanged();
  }
}

/** The page's one toy playground. */
export const toy = new ToyState();
