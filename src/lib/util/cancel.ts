/**
 * Cancellation for long library loops: they take an AbortSignal and check it between steps. A cancelled call
 * rejects with CancelledError (its message says so; callers treat it as a quiet outcome, not a failure).
 */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function isCancelled(err: unknown): boolean {
  return err instanceof Error && (err.name === 'CancelledError' || err.message === 'cancelled');
}

/**
 * Settles as `p` does, or rejects with CancelledError as soon as `signal` aborts. For waits that cannot stop but
 * need not be waited for (loading a model or a test set into a cache): a Cancel then returns at once, and the load
 * finishes unobserved for the next run.
 */
export function unlessCancelled<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
