/**
 * All shareable UI state lives in the URL hash (as in TensorFlow Playground): a link reproduces what a person
 * sees. Values are read through typed parsers that reject tampered input with a message instead of throwing,
 * and written back with replaceState so the history is not flooded while a slider moves.
 */
export type Params = Record<string, string>;

export function readHash(hash: string = location.hash): Params {
  const out: Params = {};
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

export function writeHash(params: Params): void {
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  const next = `#${new URLSearchParams(clean).toString()}`;
  if (next !== location.hash) history.replaceState(null, '', `${location.pathname}${location.search}${next}`);
}

/** Updates some keys of the hash, keeping the rest. */
export function updateHash(changes: Params): void {
  writeHash({ ...readHash(), ...changes });
}

/** Collected problems with the URL, shown once to the person. */
export const urlProblems: string[] = [];

/** A number from the URL within [min, max]; anything else is reported and replaced by the fallback. */
export function numberParam(params: Params, key: string, fallback: number, min: number, max: number): number {
  const raw = params[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    urlProblems.push(`“${key}=${raw.slice(0, 30)}” in the address is not a number in [${min}, ${max}]; using ${fallback}.`);
    return fallback;
  }
  return v;
}

/** One of a fixed set of strings from the URL; anything else is reported and replaced by the fallback. */
export function choiceParam<T extends string>(params: Params, key: string, choices: readonly T[], fallback: T): T {
  const raw = params[key];
  if (raw === undefined) return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  urlProblems.push(`“${key}=${raw.slice(0, 30)}” in the address is not one of ${choices.join(', ')}; using ${fallback}.`);
  return fallback;
}

export function boolParam(params: Params, key: string, fallback: boolean): boolean {
  const raw = params[key];
  if (raw === undefined) return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  urlProblems.push(`“${key}=${raw.slice(0, 30)}” in the address is not 0 or 1; using ${fallback ? 1 : 0}.`);
  return fallback;
}
