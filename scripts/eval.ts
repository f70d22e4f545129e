/**
 * `npm run eval -- --model <id> --attack <name> --eps 0,0.1,0.2,0.3 [--steps K] [--step-size A] [--restarts R]
 *  [--n N] [--seed S] [--json]`: robust accuracy of a zoo model on its test set (the first N test examples).
 * With --json it prints one object: {model, attack, params, n, clean_accuracy, points: [{eps, robust_accuracy}], seconds}.
 * `--attack ensemble` is the per-example worst case over APGD-CE, PGD (with the restarts) and Square;
 * `--attack autoattack` is AutoAttack's standard suite without FAB-T (APGD-CE, APGD-T, Square 5 000 queries) and also
 * prints the robust accuracy after each component. Figures from n < 10 000 carry their 95 % Wilson interval.
 * Batches are cached under .cache/eval (see evaluate.ts): rerun the same command to resume; --no-cache recomputes.
 */
import { initNodeBackend } from '../src/lib/backend/node';
import { numberArg, numberListArg, parseArgs, progressBar, stringArg } from './cli';
import { evaluateModel } from './evaluate';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await initNodeBackend('wasm');
  const plan = {
    attack: stringArg(args, 'attack'),
    eps: numberListArg(args, 'eps'),
    steps: args.steps === undefined ? undefined : numberArg(args, 'steps'),
    stepSize: args['step-size'] === undefined ? undefined : numberArg(args, 'step-size'),
    restarts: args.restarts === undefined ? undefined : numberArg(args, 'restarts'),
    n: numberArg(args, 'n', 10_000),
    seed: numberArg(args, 'seed', 0),
  };
  const useCache = args['no-cache'] !== true;
  const record = await evaluateModel(stringArg(args, 'model'), plan, (done, total, s) => progressBar(done, total, s), undefined, useCache);
  if (args.json) {
    console.log(JSON.stringify(record));
  } else {
    console.log(`${record.model} vs ${record.attack} on ${record.n} test examples (${record.seconds} s)`);
    console.log(`clean accuracy ${(100 * record.clean_accuracy).toFixed(2)}%`);
    const ci = (p: (typeof record.points)[number]) => (p.ci95 ? ` (95 % interval ${(100 * p.ci95[0]).toFixed(1)}–${(100 * p.ci95[1]).toFixed(1)}%, n = ${record.n})` : '');
    for (const p of record.points) console.log(`ε = ${p.eps}: robust accuracy ${(100 * p.robust_accuracy).toFixed(2)}%${ci(p)}`);
    for (const stage of record.stages ?? []) {
      console.log(`  after ${stage.attack}: ${stage.points.map((p) => `ε = ${p.eps}: ${(100 * p.robust_accuracy).toFixed(2)}%`).join(', ')}`);
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
