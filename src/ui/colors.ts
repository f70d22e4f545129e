/**
 * The one palette of the app. Class colours are shared by every panel (class k is the same colour in the
 * Attack Lab bars, the boundary maps and the slices); δ always uses one diverging map, centred on zero.
 */
import { interpolateRdBu } from 'd3';

/** Ten colour-blind-friendly class colours (Tableau 10, reordered for contrast between neighbours). */
export const CLASS_COLORS = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1',
  '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#5a5a5a',
] as const;

export function classColor(k: number): string {
  return CLASS_COLORS[((k % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length];
}

/**
 * Diverging map for signed values in [−1, 1]: negative → blue, 0 → white, positive → red.
 * (d3's RdBu runs red→blue, so it is read mirrored.)
 */
export function divergingColor(t: number): string {
  const clamped = Math.max(-1, Math.min(1, t));
  return interpolateRdBu(0.5 - clamped / 2);
}

/** RGB bytes of the diverging map, for painting canvases pixel by pixel. */
export function divergingRgb(t: number): [number, number, number] {
  const css = divergingColor(t);
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  if (!m) return [255, 255, 255];
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Categorical colours for series that are not classes — models and attacks in charts (Okabe–Ito, colour-blind
 * safe, dark enough on white for a projector). Series k keeps its colour wherever it appears.
 */
export const SERIES_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#3d3d3d', '#b8a200'] as const;

export function seriesColor(k: number): string {
  return SERIES_COLORS[((k % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length];
}
