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
