/**
 * What every Node command-line tool shares: option parsing on Node's built-in `util.parseArgs` from one table of
 * options per script, a generated `--help`, and the exit codes
 *   0  done,   1  the work failed (bad data, a missing model file, …),   2  the command line was wrong.
 * Also a one-line progress bar with ETA on stderr (stdout stays clean for --json).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** One command-line option. `value` names the argument in the help text (string options only). */
export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  value?: string;
  default?: string | boolean;
}

export type OptionTable = Record<string, OptionSpec>;

export interface Command<T extends OptionTable> {
  /** How it is started, e.g. `npm run eval --`. */
  name: string;
  /** One paragraph: what it does and what it prints. */
  summary: string;
  options: T;
}

/** The values parseArgs gives for a table: strings or booleans, undefined when absent without a default. */
export type Values<T extends OptionTable> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean | undefined : string | undefined;
};

/** A mistake on the command line (exit code 2), as opposed to a failure of the work itself (exit code 1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Every script gets --help; declaring it in each table would only repeat it. */
const HELP: OptionSpec = { type: 'boolean', help: 'print this help and exit' };

function withHelp(options: OptionTable): OptionTable {
  return { ...options, help: HELP };
}

export function usage<T extends OptionTable>(cmd: Command<T>): string {
  const rows = Object.entries(withHelp(cmd.options)).map(([name, o]) => {
    const left = `--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
    const dflt = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    return [left, `${o.help}${dflt}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `Usage: ${cmd.name} [options]`,
    '',
    cmd.summary,
    '',
    'Options:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
    '',
    'Exit codes: 0 done, 1 the work failed, 2 the command line was wrong.',
  ].join('\n');
}

function knownOptions(options: OptionTable): string {
  return Object.keys(withHelp(options))
    .map((n) => `--${n}`)
    .join(', ');
}

/**
 * Parses argv against the table. Returns null when --help was asked for (the caller prints usage() and exits 0);
 * throws a UsageError for an unknown option, a missing value or a stray positional argument.
 */
export function parseCommand<T extends OptionTable>(cmd: Command<T>, argv: string[]): Values<T> | null {
  const options = Object.fromEntries(
    Object.entries(withHelp(cmd.options)).map(([name, o]) => [name, o.default === undefined ? { type: o.type } : { type: o.type, default: o.default }]),
  ) as Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? NonNullable<O> : never) : never;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const message = (err as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = /'([^']+)'/.exec(message)?.[1] ?? 'an option';
      throw new UsageError(`Unknown option ${name}. Known options: ${knownOptions(cmd.options)}.`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']+)'/.exec(message)?.[1] ?? '';
      throw new UsageError(`Unexpected argument "${arg}": options look like --name value. Known options: ${knownOptions(cmd.options)}.`);
    }
    if (code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(message);
    throw err;
  }
  if (values.help) return null;
  delete values.help;
  return values as Values<T>;
}

/** A string option that must be present. */
export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required.`);
  return v;
}

/** A number option, or the fallback when it is absent (undefined fallback: the option stays optional). */
export function numberOption(values: Record<string, unknown>, name: string): number | undefined;
export function numberOption(values: Record<string, unknown>, name: string, fallback: number): number;
export function numberOption(values: Record<string, unknown>, name: string, fallback?: number): number | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number; got "${String(v)}".`);
  return n;
}

/** A whole-number option ≥ min. */
export function integerOption(values: Record<string, unknown>, name: string, min: number): number | undefined;
export function integerOption(values: Record<string, unknown>, name: string, min: number, fallback: number): number;
export function integerOption(values: Record<string, unknown>, name: string, min: number, fallback?: number): number | undefined {
  const n = numberOption(values, name);
  if (n === undefined) return fallback;
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}; got "${String(values[name])}".`);
  return n;
}

/** A comma-separated list of numbers. */
export function numberListOption(values: Record<string, unknown>, name: string): number[] | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const parts = String(v).split(',');
  const list = parts.map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (list.some((n) => !Number.isFinite(n))) throw new UsageError(`--${name} must be a comma-separated list of numbers, like 0,0.1,0.2; got "${String(v)}".`);
  return list;
}

/** True when the module with this import.meta.url is the script Node was started with (not imported by a test). */
export function isMainModule(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}

/**
 * Runs a script: parses the command line, prints --help, and maps errors to exit codes. Runtime failures print
 * their message (the stack too with DEBUG=1); usage errors add a pointer to --help.
 */
export function runCommand<T extends OptionTable>(cmd: Command<T>, main: (values: Values<T>) => Promise<void>): void {
  let values: Values<T> | null;
  try {
    values = parseCommand(cmd, process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nRun ${cmd.name} --help for the options.\n`);
    process.exit(EXIT.usage);
  }
  if (values === null) {
    process.stdout.write(`${usage(cmd)}\n`);
    process.exit(EXIT.ok);
  }
  main(values).then(
    // exitCode, not exit(): let stdout drain and child processes close on their own.
    () => (process.exitCode = EXIT.ok),
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`${err.message}\nRun ${cmd.name} --help for the options.\n`);
        process.exit(EXIT.usage);
      }
      const debug = process.env.DEBUG === '1' && err instanceof Error && err.stack;
      process.stderr.write(`${debug || (err instanceof Error ? err.message : String(err))}\n`);
      process.exit(EXIT.failure);
    },
  );
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  // Round to whole seconds first: rounding the remainder alone printed 59.6 s as "13:60".
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  const sec = whole % 60;
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Draws `[#####.....] 42% 120/300 elapsed 1:02 ETA 1:25 <extra>` on stderr (a new line each time when not a TTY). */
export function progressBar(done: number, total: number, elapsedSeconds: number, extra = ''): void {
  const width = 30;
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  const eta = done > 0 ? (elapsedSeconds * (total - done)) / done : NaN;
  const line =
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ` +
    `elapsed ${formatSeconds(elapsedSeconds)} ETA ${formatSeconds(eta)} ${extra}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${done >= total ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}
