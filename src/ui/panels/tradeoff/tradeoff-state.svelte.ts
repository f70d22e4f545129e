/**
 * The ε trade-off panel as the page holds it, outside its components: the form (declared once in the URL schema
 * below), the curves run with its streamed points, the bisection radii and the robustness report. The panel's
 * components are unmounted when another tab opens; the jobs run on in the engine's background lane and their
 * results land here, so coming back shows them finished (or still going).
 */
import { inputChannels } from '../../../lib/util/default-epsilon';
import type { ModelSummary } from '../../../worker/models';
import type { AttackOutcome, CurveAttackInfo, CurvePoint, CurvesResult, RadiusRun, RobustnessReport, SuiteSettings } from '../../../worker/tradeoff-api';
import { getEngine } from '../../engine';
import { imageSetFits, type ImageSetSummary } from '../../../lib/data/user-image-set';
import { Job } from '../../job.svelte';
import { reportUrlProblem } from '../../url-state';
import { REPORT_FIELDS, TRADEOFF_FIELDS } from '../../../lib/validate/numeric';
import { optionalParam, param } from '../../state/param';
import { CURVE_FIELDS, CURVE_URL_KEYS, curvesFormProblem, epsilonGrid, fieldOk, reportFormProblem } from './curves-form';
import { choice, list, text, urlSchema } from '../../state/url-schema';
import { AddressReader } from '../../state/address-reader';
import { GRADIENT_MODES } from '../../../lib/defenses/catalog';
import { TRANSFORM_DEFENSES, type DefenseChoice } from '../../../lib/defenses/choice';
import type { LabDefense } from '../attack-lab/DefensePicker.svelte';

/** A defense in the address: a transform's id ('' none); the attacker's gradient is a second key. */
const DEFENSE_IDS = ['', ...TRANSFORM_DEFENSES.map((d) => d.id)];

/** The request's form of a picked defense (EOT over 8 draws, as the picker says). */
export function defenseRequest(d: LabDefense): DefenseChoice | undefined {
  return d.id ? { id: d.id, gradient: d.gradient, ...(d.gradient === 'eot' ? { samples: 8 } : {}) } : undefined;
}

/** The curves' form in the address. */
export const CURVES_URL = urlSchema({
  tdata: text('mnist'),
  tmodels: list(),
  tattacks: list(),
  temax: param(0.3, TRADEOFF_FIELDS.epsMax),
  testep: param(0.05, TRADEOFF_FIELDS.epsStep),
  tn: param(200, TRADEOFF_FIELDS.n),
  tsteps: param(20, TRADEOFF_FIELDS.steps),
  trestarts: param(1, TRADEOFF_FIELDS.restarts),
  tqueries: param(500, TRADEOFF_FIELDS.queryBudget),
  tscale: choice(['linear', 'log'] as const, 'linear'),
  tsur: text(),
  /** A person's own image set to evaluate on ("images:…"); empty for the test set. */
  tset: text(),
  tdef: choice(DEFENSE_IDS, ''),
  tdgrad: choice(GRADIENT_MODES, 'naive'),
});

/** The report's form in the address; the suite settings start from the engine's defaults. */
export const REPORT_URL = urlSchema({
  rmodel: text(),
  rset: text(),
  rsur: text(),
  reps: param(0.1, REPORT_FIELDS.epsilon),
  rn: param(200, REPORT_FIELDS.reportN),
  rsteps: optionalParam(REPORT_FIELDS.steps),
  rrestarts: optionalParam(REPORT_FIELDS.restarts),
  rapgd: optionalParam(REPORT_FIELDS.apgdSteps),
  rqueries: optionalParam(REPORT_FIELDS.queryBudget),
  rnoise: optionalParam(REPORT_FIELDS.noiseSamples),
  rcw: optionalParam(REPORT_FIELDS.cwSteps),
  rdef: choice(DEFENSE_IDS, ''),
  rdgrad: choice(GRADIENT_MODES, 'naive'),
});

const samePoint = (a: CurvePoint, b: CurvePoint) => a.model === b.model && a.attack === b.attack && a.epsilon === b.epsilon;
const toggled = (xs: string[], id: string) => (xs.includes(id) ? xs.filter((x) => x !== id) : [...xs, id]);

class TradeoffState {
  // What the engine offers
  models = $state<ModelSummary[]>([]);
  attacks = $state<CurveAttackInfo[]>([]);
  defaults = $state<SuiteSettings | null>(null);
  loadError = $state<string | null>(null);
  missing = $state<string[]>([]);
  /** True once the lists are in and the form has been checked against them. */
  ready = $state(false);

  // The curves' form
  dataset = $state('mnist');
  chosenModels = $state<string[]>([]);
  chosenAttacks = $state<string[]>([]);
  epsMax = $state(0.3);
  epsStep = $state(0.05);
  n = $state(200);
  steps = $state(20);
  restarts = $state(1);
  queryBudget = $state(500);
  scale = $state<'linear' | 'log'>('linear');
  surrogateId = $state('');
  /** Own image sets ("Your models"), and the chosen one for the curves / the report ('' = the test set). */
  imageSets = $state<ImageSetSummary[]>([]);
  evalSet = $state('');
  reportSet = $state('');
  /** A defense in front of every model of the curves. */
  curveDefense = $state<LabDefense>({ id: null, gradient: 'naive' });

  // The curves run
  readonly curves = new Job('tradeoff-curves');
  points = $state<CurvePoint[]>([]);
  result = $state<CurvesResult | null>(null);
  runModels = $state<string[]>([]);
  runAttacks = $state<string[]>([]);
  runGrid = $state<number[]>([]);
  runN = $state(0);
  /** The own image set the last curves ran on, if any (the radii use the same images). */
  runSet = $state<string | undefined>(undefined);
  /** The defense the shown curves were run with. */
  runDefense = $state<DefenseChoice | undefined>(undefined);
  cancelledAt = $state<number | null>(null);
  /** Index into the positive part of the run's grid: the ε of the scatter and the radius statistics. */
  atIndex = $state(-1);

  // Radii by bisection, per model (they replace the grid's read-off when present)
  readonly radii = new Job('tradeoff-radii');
  radiusModel = $state('');
  measured = $state<Record<string, RadiusRun & { maxEpsilon: number }>>({});

  // The report
  readonly report = new Job('tradeoff-report');
  reportModel = $state('');
  reportSurrogate = $state('');
  reportEpsilon = $state(0.1);
  reportN = $state(200);
  /** A defense in front of the report's model. */
  reportDefense = $state<LabDefense>({ id: null, gradient: 'naive' });
  settings = $state<SuiteSettings | null>(null);
  reportRows = $state<AttackOutcome[]>([]);
  reportResult = $state<RobustnessReport | null>(null);

  readonly grid = $derived(epsilonGrid(this.epsMax, this.epsStep));
  readonly datasetModels = $derived(this.models.filter((m) => m.dataset === this.dataset));
  readonly datasets = $derived([...new Set(this.models.map((m) => m.dataset))]);
  /** Own sets every model of the chosen test set can be evaluated on. */
  readonly curveSets = $derived(this.imageSets.filter((s) => this.datasetModels.length > 0 && this.datasetModels.every((m) => imageSetFits(s, m))));
  readonly reportSets = $derived.by(() => {
    const m = this.models.find((x) => x.id === this.reportModel);
    return m ? this.imageSets.filter((s) => imageSetFits(s, m)) : [];
  });
  /** True when a chosen model lets no gradient through: gradient attacks are left out of its curves. */
  readonly gradientFree = $derived(this.models.some((m) => this.chosenModels.includes(m.id) && !m.gradients));
  /** The chosen attacks that can run on every chosen model, in list order. */
  readonly usableAttacks = $derived(this.attacks.filter((a) => this.chosenAttacks.includes(a.id) && !(this.gradientFree && a.needs === 'gradients')).map((a) => a.id));
  readonly positiveGrid = $derived(this.runGrid.filter((e) => e > 0));
  readonly atEps = $derived(
    this.positiveGrid.length === 0 ? 0 : this.positiveGrid[this.atIndex >= 0 && this.atIndex < this.positiveGrid.length ? this.atIndex : this.positiveGrid.length - 1],
  );
  readonly totalPoints = $derived(this.runModels.length * this.runAttacks.length * this.runGrid.length);
  /** What is wrong with the curves form, in words naming the field (the Run button stays off until it is fixed). */
  readonly formProblem = $derived(curvesFormProblem(this));
  /** What is wrong with the report form (its Run button stays off until it is fixed). */
  readonly reportProblem = $derived(this.settings ? reportFormProblem({ ...this.settings, reportN: this.reportN, epsilon: this.reportEpsilon }) : null);
  readonly canRun = $derived(this.formProblem === null && this.chosenModels.length > 0 && this.usableAttacks.length > 0 && !this.curves.running);

  private readonly reader = new AddressReader();

  /**
   * Called by the panel on every mount: the first time (or after the address changed from outside, see
   * addressChanged) reads the address and the engine's lists; later only the model list (a model may have been
   * fine-tuned since). Running jobs and their results are kept either way.
   */
  open(): Promise<void> {
    return this.reader.open(() => this.load(), () => void this.refreshModels());
  }

  private async refreshModels(): Promise<void> {
    try {
      const [models, sets] = await Promise.all([getEngine().tradeoffModels(), getEngine().imageSetList()]);
      this.models = models;
      this.imageSets = sets;
    } catch {
      // The list on screen stays; the next mount tries again.
    }
  }

  private async load(): Promise<void> {
    const u = CURVES_URL.read();
    const r = REPORT_URL.read();
    Object.assign(this, {
      dataset: u.tdata,
      chosenModels: u.tmodels,
      chosenAttacks: u.tattacks,
      epsMax: u.temax,
      epsStep: u.testep,
      n: u.tn,
      steps: u.tsteps,
      restarts: u.trestarts,
      queryBudget: u.tqueries,
      scale: u.tscale,
      surrogateId: u.tsur,
      evalSet: u.tset,
      reportSet: r.rset,
      reportModel: r.rmodel,
      reportSurrogate: r.rsur,
      reportEpsilon: r.reps,
      reportN: r.rn,
      curveDefense: { id: u.tdef || null, gradient: u.tdgrad },
      reportDefense: { id: r.rdef || null, gradient: r.rdgrad },
    });
    try {
      const engine = getEngine();
      const [models, attacks, defaults, sets] = await Promise.all([engine.tradeoffModels(), engine.tradeoffAttacks(), engine.reportDefaults(), engine.imageSetList()]);
      this.models = models;
      this.imageSets = sets;
      this.attacks = attacks;
      this.defaults = defaults;
      const or = (v: number | undefined, d: number) => v ?? d;
      this.settings = {
        ...defaults,
        steps: or(r.rsteps, defaults.steps),
        restarts: or(r.rrestarts, defaults.restarts),
        apgdSteps: or(r.rapgd, defaults.apgdSteps),
        queryBudget: or(r.rqueries, defaults.queryBudget),
        noiseSamples: or(r.rnoise, defaults.noiseSamples),
        cwSteps: or(r.rcw, defaults.cwSteps),
      };
      if (!models.some((x) => x.dataset === this.dataset) && models.length > 0) this.dataset = models[0].dataset;
      const known = new Set(models.map((x) => x.id));
      this.missing = this.chosenModels.filter((id) => !known.has(id));
      this.chosenModels = this.chosenModels.filter((id) => known.has(id) && models.find((x) => x.id === id)!.dataset === this.dataset);
      // By default every model of the test set, shipped or fine-tuned here (up to six, for a legible chart).
      if (this.chosenModels.length === 0) this.chosenModels = this.datasetModels.slice(0, 6).map((x) => x.id);
      const knownAttacks = new Set(attacks.map((x) => x.id));
      const badAttacks = this.chosenAttacks.filter((id) => !knownAttacks.has(id));
      if (badAttacks.length) reportUrlProblem(`“tattacks” in the address names unknown attacks (${badAttacks.join(', ')}); they are left out.`);
      this.chosenAttacks = this.chosenAttacks.filter((id) => knownAttacks.has(id));
      if (this.chosenAttacks.length === 0) this.chosenAttacks = ['pgd'];
      if (!this.datasetModels.some((x) => x.id === this.surrogateId)) this.surrogateId = this.datasetModels[0]?.id ?? '';
      this.ready = true;
    } catch (e) {
      this.loadError = `The models or attacks could not be listed: ${(e as Error).message}`;
      this.reader.forget();
    }
  }

  /** Writes the curves' form to the address (the panel calls it whenever the form changes). */
  saveCurves(): void {
    // Until open() has read a changed address (a lesson step, a pasted link), the form still holds the old scene:
    // writing it now would overwrite the new one before it is read.
    if (!this.reader.current) return;
    // A value the form refuses (shown with its message) is not written: the address keeps the last good one.
    const ok = (key: keyof typeof CURVE_FIELDS, v: number) => (fieldOk(v, CURVE_FIELDS[key]) ? { [CURVE_URL_KEYS[key]]: v } : {});
    CURVES_URL.write({
      tdata: this.dataset,
      tmodels: this.chosenModels,
      tattacks: this.chosenAttacks,
      ...ok('epsMax', this.epsMax),
      ...ok('epsStep', this.epsStep),
      ...ok('n', this.n),
      ...ok('steps', this.steps),
      ...ok('restarts', this.restarts),
      ...ok('queryBudget', this.queryBudget),
      tscale: this.scale,
      tsur: this.surrogateId,
      tset: this.evalSet,
      tdef: this.curveDefense.id ?? '',
      tdgrad: this.curveDefense.gradient,
    });
  }

  saveReport(): void {
    const s = this.settings;
    if (!s || !this.reader.current) return;
    // As for the curves: a refused value is not written.
    const ok = (key: keyof typeof REPORT_FIELDS, urlKey: string, v: number) => (fieldOk(v, REPORT_FIELDS[key]) ? { [urlKey]: v } : {});
    REPORT_URL.write({
      rmodel: this.reportModel,
      rset: this.reportSet,
      rsur: this.reportSurrogate,
      ...ok('epsilon', 'reps', this.reportEpsilon),
      ...ok('reportN', 'rn', this.reportN),
      ...ok('steps', 'rsteps', s.steps),
      ...ok('restarts', 'rrestarts', s.restarts),
      ...ok('apgdSteps', 'rapgd', s.apgdSteps),
      ...ok('queryBudget', 'rqueries', s.queryBudget),
      ...ok('noiseSamples', 'rnoise', s.noiseSamples),
      ...ok('cwSteps', 'rcw', s.cwSteps),
      rdef: this.reportDefense.id ?? '',
      rdgrad: this.reportDefense.gradient,
    });
  }

  toggleModel(id: string): void {
    this.chosenModels = toggled(this.chosenModels, id);
  }

  toggleAttack(id: string): void {
    this.chosenAttacks = toggled(this.chosenAttacks, id);
  }

  /** The dataset changed: start from its first two models, and an ε range that suits its input (colour: to 32/255). */
  pickDataset(): void {
    this.chosenModels = this.datasetModels.slice(0, 2).map((m) => m.id);
    const colour = this.datasetModels.some((m) => inputChannels(m.inputShape) === 3);
    this.epsMax = colour ? 32 / 255 : 0.3;
    this.epsStep = colour ? 2 / 255 : 0.05;
  }

  /** The own set to send: the chosen one if it fits, else (for models without a test set) the first that fits. */
  private chosenSet(chosen: string, fitting: ImageSetSummary[], dataset: string): string | undefined {
    if (fitting.some((s) => s.id === chosen)) return chosen;
    return dataset === 'user' ? fitting[0]?.id : undefined;
  }

  attackName(id: string): string {
    return this.attacks.find((a) => a.id === id)?.name ?? id;
  }

  private optionsFor(a: CurveAttackInfo): Record<string, number> {
    const o: Record<string, number> = {};
    if (a.settable.includes('steps')) o.steps = this.steps;
    if (a.settable.includes('restarts')) o.restarts = this.restarts;
    if (a.settable.includes('queryBudget')) o.queryBudget = this.queryBudget;
    return o;
  }

  async runCurves(): Promise<void> {
    // Enter in a field submits the form even while the button is off.
    if (this.formProblem !== null) return;
    this.saveCurves();
    this.cancelledAt = null;
    this.points = [];
    this.result = null;
    // Keep model order as listed, so colours stay stable.
    this.runModels = this.datasetModels.map((m) => m.id).filter((id) => this.chosenModels.includes(id));
    this.runAttacks = this.usableAttacks;
    this.runGrid = this.grid;
    this.runN = this.n;
    this.runDefense = defenseRequest(this.curveDefense);
    this.atIndex = this.grid.filter((e) => e > 0).length - 1;
    this.measured = {};
    if (!this.runModels.includes(this.radiusModel)) this.radiusModel = this.runModels.find((m) => /robust/.test(m)) ?? this.runModels[0] ?? '';
    // Plain data only: Svelte's state proxies cannot cross to the worker.
    const request = $state.snapshot({
      modelIds: this.runModels,
      attacks: this.runAttacks.map((id) => ({ id, options: this.optionsFor(this.attacks.find((a) => a.id === id)!) })),
      epsilons: this.runGrid,
      n: this.n,
      surrogateModelId: this.runAttacks.includes('transfer') ? this.surrogateId : undefined,
      evalSet: this.chosenSet(this.evalSet, this.curveSets, this.dataset),
      defense: this.runDefense,
    });
    this.runSet = request.evalSet;
    const outcome = await this.curves.run((ctx) =>
      getEngine().robustnessCurves(
        ctx.id,
        request,
        // Callbacks travel on their own channel, so a late one may land after the result: merge by key.
        ctx.stream((p: CurvePoint) => {
          this.points = [...this.points.filter((q) => !samePoint(q, p)), p];
        }),
        ctx.onProgress,
      ),
    );
    if (outcome.status === 'done') {
      this.result = outcome.value;
      this.points = outcome.value.points;
    } else if (outcome.status === 'cancelled') {
      this.cancelledAt = this.points.length;
    }
  }

  async measureRadii(): Promise<void> {
    const model = this.radiusModel;
    // Up to ε = 0.5, where any image can be turned grey: past the grid, so robust models' radii are not cut off.
    const maxEpsilon = Math.max(0.5, ...this.runGrid);
    const request = { modelId: model, n: this.runN, maxEpsilon, rounds: 6, steps: this.steps, restarts: this.restarts, evalSet: this.runSet };
    const outcome = await this.radii.run((ctx) => getEngine().adversarialRadii(ctx.id, request, ctx.onProgress));
    if (outcome.status === 'done') this.measured = { ...this.measured, [model]: { ...outcome.value, maxEpsilon } };
  }

  async runReport(withTransfer: boolean): Promise<void> {
    if (!this.settings || this.reportProblem !== null) return;
    this.saveReport();
    this.reportResult = null;
    this.reportRows = [];
    const request = {
      modelId: this.reportModel,
      epsilon: this.reportEpsilon,
      n: this.reportN,
      settings: { ...$state.snapshot(this.settings), transfer: withTransfer },
      surrogateModelId: withTransfer ? this.reportSurrogate : undefined,
      evalSet: this.chosenSet(this.reportSet, this.reportSets, this.models.find((m) => m.id === this.reportModel)?.dataset ?? ''),
      defense: defenseRequest(this.reportDefense),
    };
    const outcome = await this.report.run((ctx) =>
      getEngine().robustnessReport(
        ctx.id,
        request,
        ctx.onProgress,
        ctx.stream((o: AttackOutcome) => {
          if (this.report.running) this.reportRows = [...this.reportRows.filter((r) => r.key !== o.key), o];
        }),
      ),
    );
    if (outcome.status === 'done') this.reportResult = outcome.value;
  }
}

/** The page's one trade-off panel state. */
export const tradeoff = new TradeoffState();
