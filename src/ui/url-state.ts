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

/**
 * Problems found in the current address, each a sentence for the person. Panels read the address when they open,
 * which may be long after the page started (a tab opened later, a changed hash), so the page does not read this
 * list once: it listens (onUrlProblems) and shows every report in one place, the same way for every panel.
 */
export const urlProblems: string[] = [];
const listeners = new Set<(problems: readonly string[]) => void>();

/** The list as shown: a panel that reads the same address twice reports the same sentence once. */
const shown = () => [...new Set(urlProblems)];

function notify(): void {
  for (const l of listeners) l(shown());
}

/** Reports one problem with the address. */
export function reportUrlProblem(message: string): void {
  urlProblems.push(message);
  notify();
}

/** Forgets the problems of the previous address (the page calls it when the address changes from outside). */
export function clearUrlProblems(): void {
  if (urlProblems.length === 0) return;
  urlProblems.length = 0;
  notify();
}

/** Calls `listener` with the whole list now and after every change; returns the unsubscribe function. */
export function onUrlProblems(listener: (problems: readonly string[]) => void): () => void {
  listeners.add(listener);
  listener(shown());
  return () => listeners.delete(listener);
}
