/**
 * The one palette of the app: every colour the UI paints comes from here (TypeScript) or from the CSS variables of
 * theme.css (whose shared values a unit test holds equal to these). Charts take literal values from here rather than
 * CSS variables, because an exported SVG or PNG must look the same outside the app.
 *
 * Class colours are shared by every panel (class k is the same colour in the Attack Lab bars, the boundary maps and
 * the slices); δ always uses one diverging map, centred on zero; models and attacks in charts use the series colours.
 */
import { interpolateRdBu, rgb } from 'd3';

/**
 * Ten class colours that stay apart under the three kinds of colour-vision deficiency: Okabe–Ito's seven (without
 * black) extended by Paul Tol's indigo, brown and wine. test/unit/palette.test.ts simulates protanopia, deuteranopia
 * and tritanopia and checks every pair stays distinguishable (the previous Tableau 10 did not: two pairs merged).
 * Ten colours must repeat hue families (blues, oranges, purples); the order puts digits that MNIST models often
 * confuse (3/5/8, 4/9, 7/1/2/9) in different families, so a slice between them shows two hues, not two shades.
 */
export const CLASS_COLORS = [
  '#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00',
  '#56b4e9', '#f0e442', '#332288', '#661100', '#882255',
] as const;

function cyclic<T>(list: readonly T[], k: number): T {
  return list[((k % list.length) + list.length) % list.length];
}

export function classColor(k: number): string {
  return cyclic(CLASS_COLORS, k);
}

/** RGB bytes of any palette colour, for painting canvases pixel by pixel. */
export function rgbBytes(css: string): [number, number, number] {
  const c = rgb(css);
  return [Math.round(c.r), Math.round(c.g), Math.round(c.b)];
}

/**
 * Diverging map for signed values in [−1, 1]: negative → blue, 0 → white, positive → red.
 * (d3's RdBu runs red→blue, so it is read mirrored.) Blue–red stays readable under red–green deficiencies.
 */
export function divergingColor(t: number): string {
  const clamped = Math.max(-1, Math.min(1, t));
  return interpolateRdBu(0.5 - clamped / 2);
}

export function divergingRgb(t: number): [number, number, number] {
  return rgbBytes(divergingColor(t));
}

/**
 * Categorical colours for series that are not classes — models and attacks in charts (Okabe–Ito, colour-blind
 * safe, dark enough on white for a projector). Series k keeps its colour wherever it appears.
 */
export const SERIES_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#3d3d3d', '#b8a200'] as const;

export function seriesColor(k: number): string {
  return cyclic(SERIES_COLORS, k);
}

/** Neutrals of charts and maps; INK, INK_SOFT, ACCENT, PAPER and FOCUS are also theme.css's --ink, --ink-soft, … */
export const INK = '#1d2127';
export const INK_SOFT = '#4a515c';
export const GRID = '#e6e8ec';
export const AXIS = '#9aa1ab';
export const PAPER = '#ffffff';
export const ACCENT = '#2f5fb3';
export const FOCUS = '#f0b400';
/** Plot area before any data (e.g. a class map not computed yet). */
export const NO_DATA = '#f2f3f5';

/**
 * Colours of named series that mean the same thing in every chart: clean accuracy is always blue, robust accuracy
 * always vermillion (as the robust figures in the text), the attack's own curve orange.
 */
export const ROLE = {
  clean: SERIES_COLORS[0],
  robust: SERIES_COLORS[1],
  attack: SERIES_COLORS[4],
  speed: SERIES_COLORS[2],
  /** The main measured line when there is only one (loss, smoothed loss, the model after tuning). */
  main: ACCENT,
  /** A raw, noisy series drawn under its smoothed version. */
  raw: '#b8bec7',
  /** A reference series (the model before tuning, the best other class). */
  reference: '#6b717b',
  pause: '#8a5a00',
  warn: '#b3261e',
} as const;

/** Pixel values of images, not styling: a drawn digit is white ink on black, as MNIST's are. */
export const IMAGE_BLACK = '#000000';
export const IMAGE_WHITE = '#ffffff';
