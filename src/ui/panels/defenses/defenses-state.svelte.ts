/**
 * The Defenses panel as the page holds it, outside its components: the naive-vs-adaptive form and its curves run,
 * and the randomized-smoothing form and its certify-and-attack run. Both forms are declared once in the URL
 * schemas below. A tab switch unmounts the panel; the jobs go on in the engine's background lane and their results
 * land here, so coming back shows them finished (or still going).
 */
import type { ModelSummary } from '../../../worker/models';
import type { DefenseCurvesResult, SmoothingResult } from '../../../worker/defenses-api';
import { DEFENSES, settingField, type DefenseId } from '../../../lib/defenses/catalog';
import { DEFENSE_FIELDS } from '../../../lib/validate/numeric';
import { getEngine } from '../../engine';
import { Job } from '../../job.svelte';
import { updateHash } from '../../url-state';
import { choice, reportUnknownName, text, urlSchema } from '../../state/url-schema';
import { param } from '../../state/param';
import { AddressReader } from '../../state/address-reader';

/** The defenses the curves compare (smoothing has its own section). */
export const CURVE_DEFENSES = DEFENSES.filter((d) => d.id !== 'smoothing');

/** The naive-vs-adaptive form in the address. `dval` is read separately: its range depends on the defense. */
export const CURVES_URL = urlSchema({
  ddef: choice(CURVE_DEFENSES.map((d) => d.id), 'jpeg'),
  dmodel: text('mnist-cnn'),
  deps: param(0.3, DEFENSE_FIELDS.maxEpsilon),
  dn: param(50, DEFENSE_FIELDS.n),
  dsteps: param(20, DEFENSE_FIELDS.steps),
});

/** The setting of the chosen defense (its range is the catalog's). */
export const settingUrl = (defense: string) => {
  const s = CURVE_DEFENSES.find((d) => d.id === defense)?.setting;
  return s ? urlSchema({ dval: param(s.default, settingField(s)) }) : null;
};

/** The smoothing form in the address. */
export const SMOOTHING_URL = urlSchema({
  smodel: text(''),
  ssigma: param(0.25, DEFENSE_FIELDS.sigma),
  sn: param(20, DEFENSE_FIELDS.smoothingN),
  sdraws: param(1000, DEFENSE_FIELDS.draws),
});

/** The radii the smoothing chart reads certified and empirical accuracy at. */
export const SMOOTHING_RADII = [0.25, 0.5, 0.75, 1, 1.5, 2];

class DefensesState {
  models = $state<ModelSummary[]>([]);
  loadError = $state<string | null>(null);
  ready = $state(false);

  // Naive vs adaptive
  defenseId = $state<DefenseId>('jpeg');
  modelId = $state('mnist-cnn');
  value = $state(0);
  epsMax = $state(0.3);
  n = $state(50);
  steps = $state(20);
  readonly curves = new Job('defense-curves');
  result = $state<DefenseCurvesResult | null>(null);
  /** The model and defense the shown result was computed with (the form may have moved on). */
  resultModel = $state('');
  resultDefense = $state('');

  // Randomized smoothing
  smoothModel = $state('');
  sigma = $state(0.25);
  smoothN = $state(20);
  draws = $state(1000);
  readonly smoothing = new Job('smoothing-curves');
  smoothResult = $state<SmoothingResult | null>(null);
  smoothResultModel = $state('');

  readonly info = $derived(CURVE_DEFENSES.find((d) => d.id === this.defenseId) ?? CURVE_DEFENSES[0]);
  readonly grid = $derived([0, 0.25, 0.5, 0.75, 1].map((f) => +(f * this.epsMax).toFixed(4)));

  private readonly reader = new AddressReader();

  /**
   * Called on every mount: the first (or the first after the address changed from outside, see addressChanged)
   * reads the address and the model list; later ones refresh the list only. Jobs and results are kept either way.
   */
  open(): Promise<void> {
    return this.reader.open(() => this.load(), () => void this.refreshModels());
  }

  private async refreshModels(): Promise<void> {
    try {
      this.models = await getEngine().defenseModels();
    } catch {
      // The list on screen stays; the next mount tries again.
    }
  }

  private async load(): Promise<void> {
    const u = CURVES_URL.read();
    const s = SMOOTHING_URL.read();
    this.defenseId = u.ddef;
    this.modelId = u.dmodel;
    this.value = settingUrl(u.ddef)?.read().dval ?? 0;
    this.epsMax = u.deps;
    this.n = u.dn;
    this.steps = u.dsteps;
    this.smoothModel = s.smodel;
    this.sigma = s.ssigma;
    this.smoothN = s.sn;
    this.draws = s.sdraws;
    try {
      this.models = await getEngine().defenseModels();
      this.loadError = null;
      const ids = this.models.map((m) => m.id);
      if (!ids.includes(this.modelId) && ids.length) {
        reportUnknownName('dmodel', this.modelId, ids, ids[0]);
        this.modelId = ids[0];
      }
      if (ids.length && !ids.includes(this.smoothModel)) {
        const using = this.models.find((m) => m.id === 'mnist-cnn-noise-0.25')?.id ?? ids[0];
        // An absent key is no tampering: the smoothing form simply starts from its model.
        if (this.smoothModel !== '') reportUnknownName('smodel', this.smoothModel, ids, using);
        this.smoothModel = using;
      }
      this.ready = true;
    } catch (e) {
      this.loadError = `The models could not be listed: ${(e as Error).message}`;
      this.reader.forget();
    }
  }

  /** Writes both forms to the address (the panel calls it whenever a form changes). */
  save(): void {
    // Until the current address has been read (a lesson step or a pasted link just changed it), the forms still hold
    // the previous scene: writing them now would put the old scene back over the new address.
    if (!this.reader.current) return;
    CURVES_URL.write({ ddef: this.defenseId, dmodel: this.modelId, deps: this.epsMax, dn: this.n, dsteps: this.steps });
    const setting = settingUrl(this.defenseId);
    if (setting) setting.write({ dval: this.value });
    else updateHash({ dval: '' });
    SMOOTHING_URL.write({ smodel: this.smoothModel, ssigma: this.sigma, sn: this.smoothN, sdraws: this.draws });
  }

  pickDefense(id: string): void {
    const d = CURVE_DEFENSES.find((x) => x.id === id);
    if (!d) return;
    this.defenseId = d.id;
    if (d.setting) this.value = d.setting.default;
    // Distillation is a trained model, not a wrapper: it needs the distilled network.
    if (id === 'distillation' && this.models.some((m) => m.id === 'mnist-cnn-distilled')) this.modelId = 'mnist-cnn-distilled';
    else if (this.modelId === 'mnist-cnn-distilled') this.modelId = 'mnist-cnn';
  }

  pickSmoothModel(id: string): void {
    this.smoothModel = id;
    // A noise-trained model is smoothed at the σ it was trained with.
    const m = /noise-([0-9.]+)$/.exec(id);
    if (m) this.sigma = Number(m[1]);
  }

  async runCurves(): Promise<void> {
    this.save();
    this.result = null;
    const request = $state.snapshot({
      modelId: this.modelId,
      defense: this.defenseId,
      value: this.info.setting ? this.value : undefined,
      epsilons: this.grid,
      n: this.n,
      steps: this.steps,
    });
    const outcome = await this.curves.run((ctx) => getEngine().defenseCurves(ctx.id, request, ctx.onProgress));
    if (outcome.status === 'done') {
      this.result = outcome.value;
      this.resultModel = request.modelId;
      this.resultDefense = request.defense;
    }
  }

  async runSmoothing(): Promise<void> {
    this.save();
    this.smoothResult = null;
    const request = $state.snapshot({ modelId: this.smoothModel, sigma: this.sigma, radii: SMOOTHING_RADII, n: this.smoothN, draws: this.draws, n0: 100, alpha: 0.001 });
    const outcome = await this.smoothing.run((ctx) => getEngine().smoothingCurves(ctx.id, request, ctx.onProgress));
    if (outcome.status === 'done') {
      this.smoothResult = outcome.value;
      this.smoothResultModel = request.modelId;
    }
  }
}

/** The page's one Defenses panel state. */
export const defenses = new DefensesState();
