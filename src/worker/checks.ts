/**
 * Argument checks shared by the engine's façades (src/worker/*-api.ts). Every failure is an Error whose message
 * names the argument and says what was expected, in plain words, so the UI can show it as it is. Attack options
 * themselves are checked by the library (src/lib/attacks/validate.ts) when the attack runs; these checks cover the
 * façade's own arguments and the limits a browser request must stay within.
 */

export function fail(message: string): never {
  throw new Error(message);
}

/** A job id chosen by the UI (see jobs.ts). */
export function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId === '') fail(`jobId must be a non-empty string, got ${JSON.stringify(jobId)}`);
  return jobId;
}

/** A finite number in [lo, hi] (an integer when asked). */
export function checkNumber(v: unknown, name: string, lo: number, hi: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    fail(`${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
  return v;
}

/** One of a fixed set of strings. */
export function checkChoice<T extends string>(v: unknown, name: string, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(v)) fail(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** A request argument that must be an object (its fields are checked one by one afterwards). */
export function checkObject(v: unknown, name: string, shape: string): Record<string, unknown> {
  if (v == null || typeof v !== 'object') fail(`${name} must be an object ${shape}`);
  return v as Record<string, unknown>;
}
