/**
 * How the trade-off charts tell series apart: a model is a colour (SERIES_COLORS), an attack is a line style and a
 * marker shape, so "mnist-cnn under PGD" reads the same in every chart and in print. ε tick labels carry both units.
 */
import { seriesColor } from '../../colors';
import { dash, marker } from '../../charts/style';

export const modelColor = seriesColor;
export const attackDash = dash;
export const attackMarker = marker;

/** The two lines of an ε tick: [0,1] units, and pixel levels (none at 0, where it says nothing and crowds the log axis). */
export function epsilonTick(eps: number): [string, string] {
  if (eps === 0) return ['0', ''];
  return [String(+eps.toPrecision(3)), `${+(eps * 255).toFixed(eps * 255 < 10 ? 1 : 0)}/255`];
}
