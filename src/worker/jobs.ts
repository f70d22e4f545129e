/**
 * Long-running work in the worker: each job has an id chosen by the UI, an AbortSignal the library checks
 * between steps, and a progress callback (a Comlink.proxy). An AbortSignal cannot cross the worker boundary, so
 * the UI cancels by id; the message is handled whenever the job awaits (every library loop awaits each step).
 */
const running = new Map<string, AbortController>();

export interface Progress {
  /** Work done, in the job's own units (steps, images, points). */
  done: number;
  total: number;
  /** Seconds since the job started. */
  elapsed: number;
  /** Estimated seconds left; null until there is enough to go on. */
  eta: number | null;
  /** A short description of the current phase, for the progress bar. */
  phase?: string;
}

export type ProgressCallback = (p: Progress) => void;

/** Starts a job; a job already running under the same id is cancelled first (a newer request wins). */
export function startJob(id: string): AbortSignal {
  running.get(id)?.abort();
  const controller = new AbortController();
  running.set(id, controller);
  return controller.signal;
}

export function endJob(id: string, signal: AbortSignal): void {
  // Only the job that owns the id may clear it: a newer job with the same id stays registered.
  const current = running.get(id);
  if (current && current.signal === signal) running.delete(id);
}

export function cancelJob(id: string): boolean {
  const controller = running.get(id);
  if (!controller) return false;
  controller.abort();
  running.delete(id);
  return true;
}

/** Wraps a callback so that it reports ETA from a start time. */
export function progressReporter(onProgress: ProgressCallback | undefined, total: number) {
  const start = performance.now();
  return (done: number, phase?: string, newTotal?: number) => {
    if (!onProgress) return;
    const t = newTotal ?? total;
    const elapsed = (performance.now() - start) / 1000;
    const eta = done > 0 && done < t ? (elapsed / done) * (t - done) : done >= t ? 0 : null;
    onProgress({ done, total: t, elapsed, eta, phase });
  };
}

/** Runs fn as job `id`, always clearing the job afterwards. */
export async function asJob<T>(id: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = startJob(id);
  try {
    return await fn(signal);
  } finally {
    endJob(id, signal);
  }
}

export { CancelledError, throwIfCancelled, isCancelled } from '../lib/util/cancel';
