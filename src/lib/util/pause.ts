/**
 * Pausing a long library loop: the loop awaits `wait()` between steps; while paused that promise stays pending,
 * so the loop holds its state (and its tensors) and simply resumes. A cancel (AbortSignal) ends a pause at once.
 */
import { CancelledError } from './cancel';

export class PauseGate {
  private pending: { promise: Promise<void>; release: () => void } | null = null;

  get paused(): boolean {
    return this.pending !== null;
  }

  pause(): void {
    if (this.pending) return;
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.pending = { promise, release };
  }

  resume(): void {
    const p = this.pending;
    this.pending = null;
    p?.release();
  }

  /** Resolves at once when not paused; otherwise on resume(), or rejects with CancelledError when the signal aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    while (this.pending) {
      if (signal?.aborted) throw new CancelledError();
      const current = this.pending.promise;
      if (!signal) {
        await current;
        continue;
      }
      let onAbort: (() => void) | null = null;
      const aborted = new Promise<void>((_, reject) => {
        onAbort = () => reject(new CancelledError());
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([current, aborted]);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    }
    if (signal?.aborted) throw new CancelledError();
  }
}
