/**
 * One run controller for every job the UI starts in the engine: whether it runs, its progress (with the worker's
 * ETA), its error, cancel, and "a newer request supersedes an older one" — written here once.
 *
 * A job has a fixed id. Starting a run while one runs supersedes it twice over: the worker cancels the older
 * call under the same id (src/worker/jobs.ts), and here the older run's late progress, results and errors are
 * dropped (Comlink callbacks travel on their own channel and may land after a newer run began). Cancellation is
 * recognised only with isCancelled; a cancelled run is a quiet outcome, not an error.
 *
 * Controllers (panels' *.svelte.ts modules) own their jobs, so a job outlives the component that shows it.
 */
import * as Comlink from 'comlink';
import type { Progress } from '../worker/jobs';
import { isCancelled } from '../lib/util/cancel';
import { getEngine } from './engine';
import { markRunning } from './leave-guard';

/** What one run hands its work: the job id, a progress callback for the worker and a "still current?" test. */
export interface RunContext {
  id: string;
  /** A Comlink proxy: pass it to the engine as the progress callback. Stale runs' reports are dropped. */
  onProgress: (p: Progress) => void;
  /** Wraps any other callback the engine streams (points, events) so that a superseded run's calls are dropped. */
  stream<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  /** False once a newer run has started (or the job was reset). */
  current(): boolean;
}

export type Outcome<T> =
  | { status: 'done'; value: T }
  | { status: 'cancelled' }
  | { status: 'failed'; error: string }
  | { status: 'superseded' };

/**
 * "The newest request wins" for calls that have no job in the engine (quick predictions): each call to the
 * returned function starts a request and gives back its "still the newest?" test.
 */
export function latestWins(): () => () => boolean {
  let newest = 0;
  return () => {
    const mine = ++newest;
    return () => mine === newest;
  };
}

export class Job {
  running = $state(false);
  progress = $state<Progress | null>(null);
  error = $state<string | null>(null);
  /** True when the last run ended by cancel. */
  cancelled = $state(false);
  private generation = 0;

  constructor(readonly id: string) {}

  /**
   * Runs `work` as the job's newest run. Resolves with the outcome; state (running, progress, error, cancelled)
   * is updated only for the newest run. `work` should pass ctx.onProgress to the engine and wrap streamed
   * callbacks with ctx.stream.
   */
  async run<T>(work: (ctx: RunContext) => Promise<T>): Promise<Outcome<T>> {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    this.running = true;
    markRunning(this, true);
    this.progress = null;
    this.error = null;
    this.cancelled = false;
    const ctx: RunContext = {
      id: this.id,
      onProgress: Comlink.proxy((p: Progress) => {
        if (current()) this.progress = p;
      }),
      stream: (fn) => Comlink.proxy((...args) => (current() ? fn(...args) : undefined)),
      current,
    };
    try {
      const value = await work(ctx);
      return current() ? { status: 'done', value } : { status: 'superseded' };
    } catch (e) {
      if (!current()) return { status: 'superseded' };
      if (isCancelled(e)) {
        this.cancelled = true;
        return { status: 'cancelled' };
      }
      this.error = (e as Error)?.message ?? String(e);
      return { status: 'failed', error: this.error };
    } finally {
      if (current()) {
        this.running = false;
        markRunning(this, false);
        this.progress = null;
      }
    }
  }

  /** Asks the engine to stop the running call; the run then ends as 'cancelled'. */
  cancel(): Promise<boolean> {
    return getEngine().cancel(this.id);
  }

  /** Forgets the running call here (its outcome will be 'superseded') without stopping it in the engine. */
  detach(): void {
    this.generation++;
    this.running = false;
    markRunning(this, false);
    this.progress = null;
  }
}
