/**
 * The benchmark page: starts the bench worker for `?backend=…`, shows its log, and leaves the result on
 * `window.__bench` for the Playwright driver (scripts/bench/browser.ts). Built apart from the app (its own Vite
 * config), so none of it reaches the playground's bundle.
 */
import type { BenchRequest, BenchMessage, PeerReply, PeerRequest } from './protocol';

const params = new URLSearchParams(location.search);
const log = document.getElementById('log')!;
const state = window as unknown as { __bench?: BenchMessage };

const request: BenchRequest = {
  backend: params.get('backend') ?? 'wasm',
  baseUrl: new URL('.', location.href).href,
  allowanceMs: Number(params.get('allowanceMs') ?? 120_000),
  tasks: params.get('tasks'),
  threads: params.get('threads'),
  peer: params.get('peer') === '1',
};
const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
const driver = window as unknown as { __benchPeer?: (task: string, batch: number) => Promise<number | null> };
worker.onmessage = (e: MessageEvent<BenchMessage | PeerRequest>) => {
  const m = e.data;
  if (m.kind === 'peer') {
    // Relay to the bench driver (Playwright's exposeFunction), which runs the PyTorch peer once.
    const ask = driver.__benchPeer ? driver.__benchPeer(m.task, m.batch) : Promise.resolve(null);
    void ask.catch(() => null).then((ms) => worker.postMessage({ kind: 'peer-result', id: m.id, ms } satisfies PeerReply));
    return;
  }
  if (m.kind === 'log') {
    log.textContent += `\n${m.line}`;
    console.log(m.line);
    return;
  }
  state.__bench = m;
  log.textContent += `\n${m.kind === 'done' ? 'done' : `error: ${m.error}`}`;
};
worker.onerror = (e) => {
  state.__bench = { kind: 'error', error: `worker error: ${e.message}` };
};
worker.postMessage(request);
