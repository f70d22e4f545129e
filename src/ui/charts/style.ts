/**
 * The one chart style: fonts, text sizes, strokes, dashes and markers every chart draws with. Charts write these
 * as SVG attributes (not CSS classes), so an exported SVG or PNG carries the same look outside the app. Text is at
 * least 12 px everywhere so a chart stays legible on a projector.
 */
import * as palette from '../colors';
import { markerPath } from './path';

/**
 * Chart neutrals follow the theme's CSS variables in the app (presenter mode darkens --ink and --ink-soft for a
 * projector), with the palette value as the fallback. An exported file has no variables: download.ts resolves
 * every var(…, fallback) to its fallback, so the file shows the palette's colours in any SVG viewer.
 */
const themed = (name: string, value: string) => `var(--${name}, ${value})`;
export const INK = themed('ink', palette.INK);
export const INK_SOFT = themed('ink-soft', palette.INK_SOFT);
export const GRID = themed('grid', palette.GRID);
export const AXIS = themed('axis', palette.AXIS);
export const PAPER = themed('panel', palette.PAPER);
export const FOCUS = themed('focus', palette.FOCUS);
export const NO_DATA = palette.NO_DATA;

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
/** Inline style for numbers: digits of equal width, so tick labels line up. */
export const NUMERIC = 'font-variant-numeric: tabular-nums';

export const TEXT = {
  /** Tick labels, legend entries, axis titles. */
  normal: 13,
  /** Second lines, group titles in legends, marker labels: never smaller than this. */
  small: 12,
} as const;

export const STROKE = {
  series: 2.5,
  rule: 1.5,
  /** The white halo around dots, so they stand out on lines and coloured regions. */
  halo: 1.5,
} as const;

/** Line styles that tell series apart besides colour (solid first). */
const DASHES = [null, '8 4', '2 4', '10 4 2 4', '14 5', '4 2'] as const;
export const RULE_DASH = '4 3';
export const CURSOR_DASH = '3 3';

export function dash(index: number): string | null {
  return DASHES[index % DASHES.length];
}

/** SVG path of marker shape `index` (circle, square, triangle, diamond, cross, star, wye), centred on 0,0, of about `size` px². */
export function marker(index: number, size = 64): string {
  return markerPath(index, size);
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** The plot area in SVG pixels: left/right/top/bottom edges, inside a `width` × `height` chart. */
export interface Plot {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The plot area of a chart; never narrower than `minInner`, so a chart in a hidden tab (width 0) stays drawable. */
export function plotArea(width: number, height: number, margin: Margin, minInner = 10): Plot {
  return {
    width,
    height,
    left: margin.left,
    right: Math.max(margin.left + minInner, width - margin.right),
    top: margin.top,
    bottom: height - margin.bottom,
  };
}

/** A compact number for tick labels: integers as they are, others to three significant digits. */
export function tickNumber(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : String(+v.toPrecision(3));
}
