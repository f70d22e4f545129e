/**
 * All shareable UI state lives in the URL hash (as in TensorFlow Playground): a link reproduces what a person
 * sees. Panels declare their keys in a schema (state/url-schema.ts) whose parsers report tampered input here
 * instead of throwing; values are written back with replaceState so the history is not flooded while a slider moves.
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
