/**
 * Which backend serves which work, decided from measured probe timings rather than by name.
 *
 * A small CNN at batch 1 is dominated by per-kernel overhead, where a GPU backend (a dispatch and a read-back per
 * step) can lose to wasm; a batch of 64 is dominated by arithmetic, where a real GPU wins. So the choice has two
 * roles: `interactive` (the Attack Lab: one image, one step at a time) and `batch` (curves, reports, fine-tuning).
 * Pure: the timings come from probe.ts (or a cache of an earlier probe), the decision is tested on recorded ones.
 */
import type { BackendName } from './select';

export type BackendRole = 'interactive' | 'batch';
export const BACKEND_ROLES: readonly BackendRole[] = ['interactive', 'batch'];

export interface ProbeTiming {
  backend: BackendName;
  /** A CPU-emulated GPU adapter (SwiftShader, llvmpipe): passed over while a real device or wasm is there. */
  software: boolean;
  /** Median ms of one input-gradient step at batch 1; null when it could not be measured. */
  interactiveMs: number | null;
  /** Median ms per image of one input-gradient step at the probe's batch size; null when not measured. */
  batchMsPerImage: number | null;
  /** Why the probe failed on this backend, if it did. */
  error?: string;
}

export interface RoleChoice {
  backend: BackendName;
  why: string;
}

export type BackendChoice = Record<BackendRole, RoleChoice>;

/**
 * A faster backend must win by this factor to displace an earlier one in the default order (webgpu, webgl, wasm,
 * cpu): timings of a 100 ms probe on a busy machine move by ~10 %, and switching on noise would flip the choice
 * from one visit to the next.
 */
export const MARGIN = 1.1;

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(2));

function pick(timings: ProbeTiming[], role: BackendRole, order: readonly BackendName[]): RoleChoice | null {
  const value = (t: ProbeTiming) => (role === 'interactive' ? t.interactiveMs : t.batchMsPerImage);
  const measured = timings.filter((t) => !t.error && value(t) != null && Number.isFinite(value(t)!) && value(t)! > 0);
  if (measured.length === 0) return null;
  const hardware = measured.filter((t) => !t.software);
  const pool = hardware.length > 0 ? hardware : measured;
  const rank = (b: BackendName) => {
    const i = order.indexOf(b);
    return i < 0 ? order.length : i;
  };
  pool.sort((a, b) => rank(a.backend) - rank(b.backend));
  let best = pool[0];
  for (const t of pool.slice(1)) if (value(t)! * MARGIN < value(best)!) best = t;
  const unit = role === 'interactive' ? 'ms per step at batch 1' : 'ms per image in a batch step';
  const others = pool.filter((t) => t !== best).map((t) => `${t.backend} ${fmt(value(t)!)}`);
  const skipped = measured.filter((t) => t.software && hardware.length > 0).map((t) => `${t.backend} (software adapter)`);
  let why = `measured ${best.backend} ${fmt(value(best)!)} ${unit}`;
  if (others.length > 0) why += ` vs ${others.join(', ')}`;
  if (skipped.length > 0) why += `; passed over ${skipped.join(', ')}`;
  if (pool.length === 1 && others.length === 0 && skipped.length === 0) why += ' (the only backend measured)';
  return { backend: best.backend, why };
}

/**
 * The backend for each role. Throws when nothing was measured, since then there is nothing to decide from
 * (the caller keeps its default order).
 */
export function chooseBackends(timings: ProbeTiming[], order: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu']): BackendChoice {
  const interactive = pick(timings, 'interactive', order);
  const batch = pick(timings, 'batch', order);
  if (!interactive || !batch) {
    const failed = timings.map((t) => `${t.backend}: ${t.error ?? 'no timing'}`).join('; ');
    throw new Error(`No backend could be measured${failed ? ` (${failed})` : ''}`);
  }
  return { interactive, batch };
}

/** Probe timings of the wasm backend at one thread count (each lane's worker measures its own; see wasm-setup.ts). */
export interface ThreadTiming {
  threads: number;
  /** Median ms of one input-gradient step at batch 1. */
  interactiveMs: number;
  /** Median ms per image of one input-gradient step at the probe's batch size. */
  batchMsPerImage: number;
}

export interface ThreadChoice {
  threads: number;
  why: string;
}

/**
 * wasm's thread count for a role. Until both counts are measured on this device the prior holds, from the bench
 * on 2 cores (docs/PERFORMANCE.md): single images run fastest on ONE thread (an XNNPACK thread pool synchronises
 * at every kernel, and a batch-1 step is ~40 tiny kernels: FGSM 1.95 ms at 1 thread against 5.28 ms at 2), batches
 * on every core. With timings at two or more counts, the fastest for the role serves, displacing the prior only
 * by MARGIN. `all` is the plan's count (one per core, capped); counts above it are ignored.
 */
export function chooseWasmThreads(timings: ThreadTiming[], role: BackendRole, all: number): ThreadChoice {
  const prior = role === 'interactive' ? 1 : all;
  if (all <= 1) return { threads: 1, why: 'one core: nothing to share' };
  const value = (t: ThreadTiming) => (role === 'interactive' ? t.interactiveMs : t.batchMsPerImage);
  const usable = timings.filter((t) => t.threads >= 1 && t.threads <= all && Number.isFinite(value(t)) && value(t) > 0);
  const byCount = new Map<number, ThreadTiming>();
  for (const t of usable) byCount.set(t.threads, t); // the latest probe of a count wins
  const base = byCount.get(prior);
  const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
  if (!base || byCount.size < 2) {
    return {
      threads: prior,
      why:
        role === 'interactive'
          ? `${plural(prior)} for single images: a thread pool costs a synchronisation per kernel, more than it saves at batch 1 (not yet measured on this device)`
          : `${plural(prior)} for batches: one per core (not yet measured on this device)`,
    };
  }
  let best = base;
  for (const t of byCount.values()) if (value(t) * MARGIN < value(best)) best = t;
  const unit = role === 'interactive' ? 'ms per step at batch 1' : 'ms per image in a batch step';
  const others = [...byCount.values()].filter((t) => t !== best).sort((a, b) => a.threads - b.threads);
  return {
    threads: best.threads,
    why: `measured ${fmt(value(best))} ${unit} at ${plural(best.threads)} vs ${others.map((t) => `${fmt(value(t))} at ${t.threads}`).join(', ')}`,
  };
}
