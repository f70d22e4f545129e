/**
 * Small helpers shared by the Node command-line tools: `--name value` / `--flag` parsing and a one-line
 * progress bar with ETA on stderr (stdout stays clean for --json).
 */
export type Args = Record<string, string | true>;

export function parseArgs(argv: string[]): Args {
  const args: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (options look like --name value)`);
    const [key, inline] = a.slice(2).split('=', 2);
    if (inline !== undefined) args[key] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args[key] = argv[++i];
    else args[key] = true;
  }
  return args;
}

export function stringArg(args: Args, name: string, fallback?: string): string {
  const v = args[name];
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

export function numberArg(args: Args, name: string, fallback?: number): number {
  const v = args[name];
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

export function numberListArg(args: Args, name: string, fallback?: number[]): number[] {
  const v = args[name];
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  if (v === true) throw new Error(`--${name} needs a comma-separated list of numbers`);
  const list = v.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n))) throw new Error(`--${name} must be a comma-separated list of numbers, got "${v}"`);
  return list;
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
