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

/**
 * The address as the app last read or wrote it. When location.hash differs, the address was changed from outside —
 * a lesson step assigned location.hash, a link was pasted, Back was pressed — and the hashchange handler has not run
 * yet (the event comes a task later). A panel writing in that window would merge its old scene into the new address,
 * so such writes are dropped: the new scene is read when the event is handled (acceptAddress).
 */
let knownHash: string | null = null;

/** The app has taken in the current address (its hashchange handler ran); writes are allowed again. */
export function acceptAddress(): void {
  knownHash = location.hash;
}

/** Replaces the whole hash as the app's own change (no hashchange event, no history entry). */
export function replaceHash(next: string): void {
  if (next !== location.hash) history.replaceState(null, '', `${location.pathname}${location.search}${next}`);
  knownHash = location.hash;
}

export function writeHash(params: Params): void {
  if (knownHash !== null && location.hash !== knownHash) return;
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  replaceHash(`#${new URLSearchParams(clean).toString()}`);
}

/** Updates some keys of the hash, keeping the rest. */
export function updateHash(changes: Params): void {
  writeHash({ ...readHash(), ...changes });
}

/** Collected problems with the URL, shown once to the person. */
export const urlProblems: string[] = [];
