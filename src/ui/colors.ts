/**
 * The one palette of the app: every colour the UI paints comes from here (TypeScript) or from the CSS variables of
 * theme.css (whose shared values a unit test holds equal to these). Charts take literal values from here rather than
 * CSS variables, because an exported SVG or PNG must look the same outside the app.
 *
 * Class colours are shared by every panel (class k is the same colour in the Attack Lab bars, the boundary maps and
 * the slices); δ always uses one diverging map, centred on zero; models and attacks in charts use the series colours.
 */

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

/** A channel value as a byte (rounded, clamped to [0, 255]; NaN → 0), as CSS rgb() writes it. */
const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v) || 0));

/**
 * RGB bytes of any palette colour, for painting canvases pixel by pixel: '#rgb', '#rrggbb' or 'rgb(r, g, b)' (the
 * forms this module writes). Anything else is a programming error and throws.
 */
export function rgbBytes(css: string): [number, number, number] {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(css);
  if (hex) {
    const h = hex[1].length === 3 ? hex[1].replace(/./g, (c) => c + c) : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const fn = /^rgb\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)$/.exec(css);
  if (fn) return [byte(+fn[1]), byte(+fn[2]), byte(+fn[3])];
  throw new Error(`rgbBytes: "${css}" is not a #hex or rgb() colour`);
}

/**
 * The diverging map's control colours: ColorBrewer's 11-class RdBu (Cynthia Brewer, colorbrewer2.org), red → white →
 * blue as ColorBrewer lists them (read mirrored below, so negative is blue). d3-scale-chromatic's interpolateRdBu reads
 * the same eleven through a uniform cubic B-spline per RGB channel; so does the map below, written here so the page
 * does not carry d3-color, d3-interpolate and d3-scale-chromatic (about 30 KiB) for one function.
 * test/unit/palette.test.ts holds it equal to d3's, byte for byte.
 */
const DIVERGING_STOPS = [
  '#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061',
].map(rgbBytes);

/**
 * One channel of the B-spline through the stops at u ∈ [0, 1]. Knot i sits at u = i/n; the curve near the ends uses a
 * mirrored phantom stop (2·first − second), so it starts and ends on the end colours.
 */
function spline(channel: number, u: number): number {
  const stops = DIVERGING_STOPS;
  const n = stops.length - 1;
  const at = (i: number) =>
    i < 0 ? 2 * stops[0][channel] - stops[1][channel] : i > n ? 2 * stops[n][channel] - stops[n - 1][channel] : stops[i][channel];
  const i = u <= 0 ? 0 : u >= 1 ? n - 1 : Math.floor(u * n);
  const s = (Math.min(1, Math.max(0, u)) - i / n) * n;
  const s2 = s * s;
  const s3 = s2 * s;
  // The four cubic B-spline basis weights at local position s (they sum to 6; divided once at the end).
  const w = [1 - 3 * s + 3 * s2 - s3, 4 - 6 * s2 + 3 * s3, 1 + 3 * s + 3 * s2 - 3 * s3, s3];
  return (w[0] * at(i - 1) + w[1] * at(i) + w[2] * at(i + 1) + w[3] * at(i + 2)) / 6;
}

/**
 * Diverging map for signed values in [−1, 1] as RGB bytes: negative → blue, 0 → white, positive → red. Blue–red
 * stays readable under red–green deficiencies.
 */
export function divergingRgb(t: number): [number, number, number] {
  if (Number.isNaN(t)) return [0, 0, 0]; // no value paints black, as d3's map did
  const u = 0.5 - Math.max(-1, Math.min(1, t)) / 2;
  return [byte(spline(0, u)), byte(spline(1, u)), byte(spline(2, u))];
}

/** The diverging map as a CSS colour (see divergingRgb). */
export function divergingColor(t: number): string {
  const [r, g, b] = divergingRgb(t);
  return `rgb(${r}, ${g}, ${b})`;
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
