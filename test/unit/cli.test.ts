/**
 * The command-line tools: one option table per script parsed by util.parseArgs, --help, unknown options listed,
 * exit codes 0 / 1 / 2. Parsing is tested in-process; a few real runs check the exit codes end to end (no
 * evaluation runs here beyond n = 2).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_COMMAND } from '../../scripts/bench';
import { FINETUNE_BENCH_COMMAND } from '../../scripts/bench/finetune';
import { TAPE_FREE_AB_COMMAND } from '../../scripts/bench/tape-free-ab';
import { TREE_AB_COMMAND } from '../../scripts/bench/tree-ab';
import { CARDS_COMMAND } from '../../scripts/cards';
import { EXIT, integerOption, numberListOption, parseCommand, usage, UsageError, type Command, type OptionTable } from '../../scripts/cli';
import { DATA_COMMAND } from '../../scripts/data';
import { EVAL_COMMAND, evalPlan } from '../../scripts/eval';
import { TRAIN_COMMAND } from '../../scripts/train';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COMMANDS: Command<OptionTable>[] = [EVAL_COMMAND, TRAIN_COMMAND, CARDS_COMMAND, DATA_COMMAND, BENCH_COMMAND, FINETUNE_BENCH_COMMAND, TAPE_FREE_AB_COMMAND, TREE_AB_COMMAND];

function run(script: string, args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommand', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: --help returns null and the usage lists every option', (_, cmd) => {
    expect(parseCommand(cmd, ['--help'])).toBeNull();
    const text = usage(cmd);
    for (const name of [...Object.keys(cmd.options), 'help']) expect(text).toContain(`--${name}`);
    expect(text).toMatch(/Exit codes: 0 .* 1 .* 2 /);
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: an unknown option names itself and the known ones', (_, cmd) => {
    const err = usageError(() => parseCommand(cmd, ['--definitely-not-an-option', '3']));
    expect(err.message).toContain('--definitely-not-an-option');
    for (const name of Object.keys(cmd.options)) expect(err.message).toContain(`--${name}`);
  });

  it('rejects a stray positional argument and a missing value', () => {
    expect(usageError(() => parseCommand(EVAL_COMMAND, ['mnist-cnn'])).message).toMatch(/Unexpected argument "mnist-cnn"/);
    expect(usageError(() => parseCommand(EVAL_COMMAND, ['--model'])).message).toMatch(/--model/);
  });

  it('takes --name=value and --name value alike, and applies defaults', () => {
    const a = parseCommand(EVAL_COMMAND, ['--model=mnist-cnn', '--eps', '0.1']);
    expect(a).toMatchObject({ model: 'mnist-cnn', eps: '0.1', n: '10000', seed: '0' });
  });
});

describe('number options', () => {
  it('rejects what is not a whole number in range, naming the option and the value', () => {
    for (const bad of ['x', '', '1.5', '-1', 'NaN', 'Infinity', '1e400'])
      expect(usageError(() => integerOption({ steps: bad }, 'steps', 1)).message).toMatch(/^--steps must be a (whole )?number/);
    expect(integerOption({ steps: '40' }, 'steps', 1)).toBe(40);
    expect(integerOption({}, 'steps', 1, 7)).toBe(7);
  });

  it('reads comma-separated lists and rejects holes', () => {
    expect(numberListOption({ eps: '0,0.1, 0.3' }, 'eps')).toEqual([0, 0.1, 0.3]);
    for (const bad of ['0,,1', '0,a', ',', '1,'])
      expect(usageError(() => numberListOption({ eps: bad }, 'eps')).message).toContain('--eps must be a comma-separated list');
  });
});

describe('evalPlan', () => {
  const parse = (argv: string[]) => evalPlan(parseCommand(EVAL_COMMAND, argv)!);

  it('leaves the norm to the attack unless --norm is given', () => {
    expect(parse(['--model', 'mnist-cnn', '--attack', 'pgd-l2', '--eps', '2']).plan.norm).toBeUndefined();
    expect(parse(['--model', 'mnist-cnn', '--attack', 'deepfool', '--eps', '0.1', '--norm', 'linf']).plan.norm).toBe('linf');
  });

  it('refuses a norm the attack does not support, an unknown attack or model, and negative ε', () => {
    expect(usageError(() => parse(['--model', 'mnist-cnn', '--attack', 'pgd-l2', '--eps', '2', '--norm', 'linf'])).message).toBe(
      '--norm linf is not one the attack pgd-l2 supports (l2).',
    );
    expect(usageError(() => parse(['--model', 'mnist-cnn', '--attack', 'nope', '--eps', '1'])).message).toMatch(/Unknown attack "nope". Known attacks: fgsm/);
    expect(usageError(() => parse(['--model', 'nope', '--attack', 'pgd', '--eps', '1'])).message).toMatch(/nope/);
    expect(usageError(() => parse(['--model', 'mnist-cnn', '--attack', 'pgd', '--eps=-0.1,0.2'])).message).toMatch(/≥ 0/);
    expect(usageError(() => parse(['--model', 'mnist-cnn', '--attack', 'pgd'])).message).toMatch(/--eps is required/);
  });
});

describe('exit codes of real runs', () => {
  it('eval: 0 with --help, 2 for usage mistakes, 0 for a tiny L2 evaluation with --json', () => {
    const help = run('scripts/eval.ts', ['--help']);
    expect(help.status).toBe(EXIT.ok);
    expect(help.stdout).toContain('--norm');

    const unknown = run('scripts/eval.ts', ['--model', 'mnist-cnn', '--nrom', 'l2']);
    expect(unknown.status).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('Unknown option --nrom. Known options: --model, --attack, --eps, --norm');

    const ok = run('scripts/eval.ts', ['--model', 'mnist-cnn', '--attack', 'pgd-l2', '--eps', '0,2', '--n', '2', '--steps', '3', '--json']);
    expect(ok.status, ok.stderr).toBe(EXIT.ok);
    const record = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    expect(record).toMatchObject({ model: 'mnist-cnn', attack: 'pgd-l2', n: 2, params: { norm: 'l2', steps: 3 } });
    expect(record.points.map((p: { eps: number }) => p.eps)).toEqual([0, 2]);
  });

  it('train and data: 2 for an unknown model, 1 when the work fails (an output folder that cannot be made)', () => {
    expect(run('scripts/train.ts', ['--model', 'nope']).status).toBe(EXIT.usage);
    const failed = run('scripts/data.ts', ['--out', '/dev/null/not-a-folder']);
    expect(failed.status).toBe(EXIT.failure);
    expect(failed.stderr).toContain('ENOTDIR');
    expect(failed.stderr).not.toMatch(/^\s+at /m);
  });
});
