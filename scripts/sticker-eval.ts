/**
 * `npx tsx scripts/sticker-eval.ts --model signs-cnn [--n 20] [--views 100] [--fractions 0.1] [--steps 200] [--eot 8]
 *  [--compare] [--models-dir DIR] [--out FILE] [--png FILE] [--include-misread]`: the sticker attack "tested in the world".
 *
 * The first `n` stop signs of the test split that the model reads correctly get stickers — RP2's two bars above and
 * below the lettering, placed in each sign's own pose and shrunk to at most `fraction` of the sign's area — whose
 * colours are optimised, targeted at "Speed limit 50", with EOT over `eot` views per step. Each stickered sign is then
 * shown to the model under `views` fresh random views (seeds never used in optimisation), and the success rate over
 * those views is reported per sign (median, quartiles, min, max). With --compare, the same masks optimised without
 * EOT (one view: the unchanged image) and a plain targeted L∞ PGD at ε = 8/255 over the whole image go through the
 * same world test. Several --fractions sweep the sticker area. Writes the record to --out (default
 * models/<model>/sticker-eval.json).
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend } from '../src/lib/backend/node';
import { layersModelAsAttackModel } from '../src/lib/attacks/model-adapter';
import { getAttack } from '../src/lib/attacks/registry';
import { DEFAULT_VIEWS, optimiseStickers, SALIENCY_SAMPLES, SALIENCY_SEED, stickerSaliency, worldTest } from '../src/lib/attacks/sticker';
import { layoutMask, salientRects } from '../src/lib/attacks/sticker-layout';
import type { AttackModel } from '../src/lib/attacks/types';
import {
  renderSplitImage, SIGN_CLASS_NAMES, SIGN_SIZE, SIGNS_SPLIT_SIZES, signClassIndex, signStickerMask, STOP_STICKERS, STOP_STICKERS_CENTRE,
  type SignRender,
} from '../src/lib/data/signs';
import { loadModelFromFile, MODELS_DIR } from '../src/lib/models/node';
import { integerOption, isMainModule, numberListOption, numberOption, required, runCommand, type Command, type OptionTable, type Values } from './cli';

/** Every option of the sticker world test, in one place. */
const STICKER_OPTIONS = {
  model: { type: 'string', value: 'id', help: 'the signs model to attack (signs-cnn, signs-cnn-robust)' },
  n: { type: 'string', value: 'N', help: 'stop signs attacked', default: '20' },
  views: { type: 'string', value: 'V', help: 'fresh random views per stickered sign in the world test', default: '100' },
  fractions: { type: 'string', value: 'list', help: 'sticker areas as fractions of the sign, e.g. 0.1,0.2', default: '0.1' },
  steps: { type: 'string', value: 'K', help: 'optimisation steps', default: '200' },
  eot: { type: 'string', value: 'E', help: 'views per step (EOT)', default: '8' },
  compare: { type: 'boolean', help: 'also run the same masks without EOT and a plain L∞ PGD at 8/255' },
  layout: { type: 'string', value: 'name', help: 'sticker layout: bars, centre, or saliency (two rectangles where the loss gradient says they pay most)', default: 'bars' },
  'step-size': { type: 'string', value: 'A', help: 'colour step size', default: '0.1' },
  optimizer: { type: 'string', value: 'sign|adam', help: 'update rule', default: 'sign' },
  loss: { type: 'string', value: 'ce|margin', help: 'per-view loss (margin: clamped at −κ)', default: 'ce' },
  kappa: { type: 'string', value: 'K', help: 'κ of the margin loss, logits', default: '5' },
  'models-dir': { type: 'string', value: 'dir', help: 'where the models are (default: models/)' },
  out: { type: 'string', value: 'file', help: 'the JSON record (default: models/<model>/sticker-eval.json)' },
  png: { type: 'string', value: 'file', help: 'the picture of the runs (default: beside --out)' },
  'include-misread': { type: 'boolean', help: 'also attack stop signs the model already misreads' },
} as const satisfies OptionTable;

const STICKER_COMMAND: Command<typeof STICKER_OPTIONS> = {
  name: 'npx tsx scripts/sticker-eval.ts',
  summary: 'The sticker attack tested in the world: stop → speed limit 50 on test stop signs, success over fresh random views.',
  options: STICKER_OPTIONS,
};
import { encodePng, tileGrid } from './png';

const STOP = signClassIndex('stop');
const TARGET = signClassIndex('speed-50');

function quantiles(values: ArrayLike<number>): { median: number; q1: number; q3: number; min: number; max: number; mean: number } {
  const v = Array.from(values).sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (v.length - 1) * q;
    const lo = Math.floor(pos);
    return v[lo] + (v[Math.min(v.length - 1, lo + 1)] - v[lo]) * (pos - lo);
  };
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { median: r(at(0.5)), q1: r(at(0.25)), q3: r(at(0.75)), min: r(v[0]), max: r(v[v.length - 1]), mean: r(v.reduce((a, b) => a + b, 0) / v.length) };
}

async function predictions(model: AttackModel, x: tf.Tensor): Promise<Int32Array> {
  const p = tf.tidy(() => model.logits(x).argMax(1));
  const v = Int32Array.from(await p.data());
  p.dispose();
  return v;
}

async function main(args: Values<typeof STICKER_OPTIONS>): Promise<void> {
  const modelId = required(args, 'model');
  const n = integerOption(args, 'n', 1, 20);
  const views = integerOption(args, 'views', 1, 100);
  const fractions = numberListOption(args, 'fractions') ?? [0.1];
  const steps = integerOption(args, 'steps', 1, 200);
  const eot = integerOption(args, 'eot', 1, 8);
  const compare = args.compare === true;
  const layoutName = args.layout ?? 'bars';
  const layouts = { bars: STOP_STICKERS, centre: STOP_STICKERS_CENTRE };
  if (!(layoutName in layouts) && layoutName !== 'saliency') throw new Error(`layout must be one of ${[...Object.keys(layouts), 'saliency'].join(', ')}, got "${layoutName}"`);
  const stepSize = numberOption(args, 'step-size', 0.1);
  const optimizer = args.optimizer ?? 'sign';
  if (optimizer !== 'sign' && optimizer !== 'adam') throw new Error(`optimizer must be sign or adam, got "${optimizer}"`);
  const loss = args.loss ?? 'ce';
  if (loss !== 'ce' && loss !== 'margin') throw new Error(`loss must be ce or margin, got "${loss}"`);
  const kappa = numberOption(args, 'kappa', 5);
  const modelsDir = path.resolve(args['models-dir'] ?? MODELS_DIR);
  const out = path.resolve(args.out ?? path.join(modelsDir, modelId, 'sticker-eval.json'));
  await initNodeBackend('wasm');
  const layers = await loadModelFromFile(path.join(modelsDir, modelId, 'model.json'));
  const model = layersModelAsAttackModel(layers, [0, 1]);
  const started = Date.now();

  // The first n test stop signs the model reads correctly.
  const signs: { index: number; render: SignRender }[] = [];
  let skipped = 0;
  for (let i = STOP; i < SIGNS_SPLIT_SIZES.test && signs.length < n; i += SIGN_CLASS_NAMES.length) {
    const render = renderSplitImage('test', i);
    const x = tf.tensor4d(Float32Array.from(render.rgb, (b) => b / 255), [1, SIGN_SIZE, SIGN_SIZE, 3]);
    const [p] = await predictions(model, x);
    x.dispose();
    if (p === STOP || args['include-misread'] === true) signs.push({ index: i, render });
    else skipped++;
  }
  if (signs.length === 0) throw new Error(`${modelId} reads none of the test stop signs correctly: nothing to attack`);
  console.error(`${modelId}: ${signs.length} stop signs (skipped ${skipped} the model misreads when clean)`);
  const x = tf.tensor4d(
    Float32Array.from(signs.flatMap((s) => Array.from(s.render.rgb, (b) => b / 255))),
    [signs.length, SIGN_SIZE, SIGN_SIZE, 3],
  );
  const targets = new Int32Array(signs.length).fill(TARGET);
  const record: Record<string, unknown> = {
    model: modelId,
    target: SIGN_CLASS_NAMES[TARGET],
    signs: signs.map((s) => s.index),
    skippedMisread: skipped,
    views,
    viewDistribution: DEFAULT_VIEWS,
    steps,
    stepSize,
    optimizer,
    loss,
    ...(loss === 'margin' ? { kappa } : {}),
    layout: layoutName,
    eotSamples: eot,
    command: `npx tsx scripts/sticker-eval.ts ${process.argv.slice(2).join(' ')}`,
    runs: [] as unknown[],
  };
  const runs = record.runs as unknown[];
  // A picture: one row per run (the first 10 signs), the clean signs on top.
  const SHOWN = Math.min(10, signs.length);
  const toBytes = async (t: tf.Tensor) => {
    const v = await t.data();
    return Array.from({ length: SHOWN }, (_, i) => Uint8Array.from(v.subarray(i * SIGN_SIZE * SIGN_SIZE * 3, (i + 1) * SIGN_SIZE * SIGN_SIZE * 3), (f) => Math.round(f * 255)));
  };
  const rows: Uint8Array[][] = [await toBytes(x)];
  const world = async (label: string, adv: tf.Tensor4D, extra: Record<string, unknown>) => {
    const clean = await predictions(model, adv);
    // Seed 1 000 003: a stream the optimisation (seeds 0…) never draws from.
    const w = await worldTest(model, adv, targets, true, { views, seed: 1_000_003 });
    const entry = {
      method: label,
      ...extra,
      unchangedViewSuccess: clean.filter((k) => k === TARGET).length / clean.length,
      worldSuccess: quantiles(w.successRate),
      perSign: Array.from(w.successRate, (v) => Math.round(v * 100) / 100),
    };
    runs.push(entry);
    rows.push(await toBytes(adv));
    console.error(`${label} ${JSON.stringify(extra)}: unchanged view ${entry.unchangedViewSuccess}, world ${JSON.stringify(entry.worldSuccess)}`);
    writeFileSync(out, `${JSON.stringify({ ...record, seconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`);
  };

  // Saliency placement: one gradient per sign over the unchanged view and 7 random ones (as the Attack Lab places them).
  const saliency = layoutName === 'saliency' ? await stickerSaliency(model, x, targets, true, { samples: SALIENCY_SAMPLES, seed: SALIENCY_SEED }) : null;
  const P = SIGN_SIZE * SIGN_SIZE;
  for (const fraction of fractions) {
    const masks = signs.map((s, i) =>
      saliency
        ? layoutMask(salientRects(saliency.subarray(i * P, (i + 1) * P), s.render.coverage, SIGN_SIZE, SIGN_SIZE, { count: 2, maxFraction: fraction }), s.render.coverage, SIGN_SIZE, SIGN_SIZE)
        : signStickerMask(s.render, layouts[layoutName as keyof typeof layouts], fraction),
    );
    const mask = tf.tensor4d(Float32Array.from(masks.flatMap((m) => Array.from(m.mask))), [signs.length, SIGN_SIZE, SIGN_SIZE, 1]);
    const area = { maxFraction: fraction, areaFraction: quantiles(masks.map((m) => m.fraction)), pixels: quantiles(masks.map((m) => m.pixels)) };
    for (const samples of compare ? [eot, 1] : [eot]) {
      const { adversarial } = await optimiseStickers(model, x, {
        mask, classes: targets, targeted: true, steps, stepSize, optimizer, loss, kappa, eotSamples: samples, views: DEFAULT_VIEWS, seed: 0,
      });
      await world(samples > 1 ? 'stickers with EOT' : 'stickers without EOT', adversarial, { ...area, eotSamples: samples });
      adversarial.dispose();
    }
    mask.dispose();
  }
  if (compare) {
    const eps = Number((8 / 255).toFixed(6));
    const r = await getAttack('pgd').run(model, x, Array.from(signs, () => STOP), {
      epsilons: [eps], steps: 40, stepSize: 1 / 255, targeted: true, target: { mode: 'given', label: TARGET }, seed: 0,
    });
    await world('plain L∞ PGD (whole image)', r.results[0].adversarial as tf.Tensor4D, { epsilon: eps, steps: 40 });
    r.results.forEach((e) => e.adversarial.dispose());
  }
  x.dispose();
  layers.dispose();
  const png = path.resolve(args.png ?? out.replace(/\.json$/, '.png'));
  const grid = tileGrid(rows, SIGN_SIZE, 4);
  writeFileSync(png, encodePng(grid.rgb, grid.width, grid.height));
  console.error(`wrote ${path.relative(process.cwd(), png)}: clean signs, then one row per run in the order of the record`);
  console.error(`wrote ${path.relative(process.cwd(), out)} (${Math.round((Date.now() - started) / 1000)} s)`);
}

if (isMainModule(import.meta.url)) runCommand(STICKER_COMMAND, main);
