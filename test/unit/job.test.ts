import { describe, it, expect } from 'vitest';
import { Job, latestWins } from '../../src/ui/job.svelte';
import { CancelledError } from '../../src/lib/util/cancel';

/** The UI's one run controller: newest run wins, cancellation is quiet, failures are reported. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('Job', () => {
  it('a newer run supersedes an older one: the older one’s late progress, stream and result are dropped', async () => {
    const job = new Job('t');
    const first = deferred<string>();
    const seen: string[] = [];
    let oldStream: ((s: string) => void) | null = null;
    let oldProgress: ((p: { done: number; total: number; elapsed: number; eta: number | null }) => void) | null = null;
    const older = job.run((ctx) => {
      oldStream = ctx.stream((s: string) => seen.push(s));
      oldProgress = ctx.onProgress;
      return first.promise;
    });
    expect(job.running).toBe(true);
    const newer = job.run(async (ctx) => {
      ctx.stream((s: string) => seen.push(s))('new point');
      ctx.onProgress({ done: 1, total: 2, elapsed: 0, eta: 1 });
      return 'new';
    });
    expect(await newer).toEqual({ status: 'done', value: 'new' });
    // The older call finishes afterwards, and its callbacks fire late.
    oldStream!('old point');
    oldProgress!({ done: 9, total: 9, elapsed: 0, eta: 0 });
    first.resolve('old');
    expect(await older).toEqual({ status: 'superseded' });
    expect(seen).toEqual(['new point']);
    expect(job.running).toBe(false);
    expect(job.progress).toBeNull();
  });

  it('cancellation is a quiet outcome; other errors are reported; a new run clears both', async () => {
    const job = new Job('t');
    expect(await job.run(async () => Promise.reject(new CancelledError()))).toEqual({ status: 'cancelled' });
    expect(job.cancelled).toBe(true);
    expect(job.error).toBeNull();
    // An error that only says "cancelled" in another way is not mistaken for one (isCancelled decides).
    expect(await job.run(async () => Promise.reject(new Error('the run was not cancelled: out of memory')))).toEqual({
      status: 'failed',
      error: 'the run was not cancelled: out of memory',
    });
    expect(job.error).toMatch(/out of memory/);
    expect(job.cancelled).toBe(false);
    await job.run(async () => 1);
    expect(job.error).toBeNull();
  });

  it('while a run is in flight, running is true and current() tells it apart from a newer one', async () => {
    const job = new Job('t');
    const gate = deferred<void>();
    let wasCurrent: (() => boolean) | null = null;
    const run = job.run(async (ctx) => {
      wasCurrent = ctx.current;
      await gate.promise;
      return 0;
    });
    expect(job.running).toBe(true);
    expect(wasCurrent!()).toBe(true);
    job.detach();
    expect(wasCurrent!()).toBe(false);
    gate.resolve();
    expect(await run).toEqual({ status: 'superseded' });
  });
});

describe('latestWins', () => {
  it('only the newest request is current', () => {
    const next = latestWins();
    const a = next();
    const b = next();
    expect(a()).toBe(false);
    expect(b()).toBe(true);
  });
});
