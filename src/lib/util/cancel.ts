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
