/**
 * How the trade-off charts tell series apart: a model is a colour (SERIES_COLORS), an attack is a line style and a
 * marker shape, so "mnist-cnn under PGD" reads the same in every chart and in print. ε tick labels carry both units.
 */
import { symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, symbolCross, symbolStar, symbolWye } from 'd3';
import { seriesColor } from '../../colors';

const DASHES = [null, '8 4', '2 4', '10 4 2 4', '14 5', '4 2'] as const;
const SYMBOLS = [symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolCross, symbolStar, symbolWye];

export function modelColor(index: number): string {
  return seriesColor(index);
}

export function attackDash(index: number): string | null {
  return DASHES[index % DASHES.length];
}

/** SVG path of the attack's marker, centred on 0,0, of about `size` px². */
export function attackMarker(index: number, size = 64): string {
  return symbol(SYMBOLS[index % SYMBOLS.length], size)() ?? '';
}

/** The two lines of an ε tick: [0,1] units, and pixel levels. */
export function epsilonTick(eps: number): [string, string] {
  const unit = eps === 0 ? '0' : String(+eps.toPrecision(3));
  return [unit, `${+(eps * 255).toFixed(eps * 255 < 10 ? 1 : 0)}/255`];
}

export const CHART_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
export const INK = '#1d2127';
export const INK_SOFT = '#4a515c';
export const GRID = '#e6e8ec';
export const AXIS = '#9aa1ab';
