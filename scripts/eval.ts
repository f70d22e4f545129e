/**
 * `npm run eval -- --model <id> --attack <name> --eps 0,0.1,0.2,0.3 [--steps K] [--step-size A] [--restarts R]
 *  [--loss ce|margin] [--n N] [--seed S] [--json]`: robust accuracy of a zoo model on its test set (the first N test
 *  examples). `--attack certify --eps <L2 radii> --sigma S [--n0 100] [--draws 10000] [--alpha 0.001]` instead
 *  certifies the randomized-smoothing classifier built on the model and reports certified accuracy per radius.
 * With --json it prints one object: {model, attack, params, n, clean_accuracy, points: [{eps, robust_accuracy}], seconds}.
 * `--attack ensemble` is the per-example worst case over APGD-CE, PGD (with the restarts) and Square.
 */
import { initNodeBackend } from '../src/lib/backend/node';
import { numberArg, numberListArg, parseArgs, progressBar, stringArg } from './cli';
import { evaluateModel } from './evaluate';

function lossArg(v: string): 'margin' | undefined {
  if (v === 'margin') return 'margin';
  if (v === 'ce') return undefined;
  throw new Error(`--loss must be ce or margin, got ${v}`);
}

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
    loss: args.loss === undefined ? undefined : lossArg(stringArg(args, 'loss')),
    smoothing:
      args.sigma === undefined
        ? undefined
        : { sigma: numberArg(args, 'sigma'), n0: numberArg(args, 'n0', 100), draws: numberArg(args, 'draws', 10_000), alpha: numberArg(args, 'alpha', 0.001) },
  };
  const record = await evaluateModel(stringArg(args, 'model'), plan, (done, total, s) => progressBar(done, total, s));
  if (args.json) {
    console.log(JSON.stringify(record));
  } else {
    console.log(`${record.model} vs ${record.attack} on ${record.n} test examples (${record.seconds} s)`);
    const certified = record.attack === 'certify';
    console.log(`${certified ? 'certified accuracy at radius 0' : 'clean accuracy'} ${(100 * record.clean_accuracy).toFixed(2)}%`);
    for (const p of record.points) {
      console.log(`${certified ? 'L2 radius' : 'ε'} = ${p.eps}: ${certified ? 'certified' : 'robust'} accuracy ${(100 * p.robust_accuracy).toFixed(2)}%`);
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
