/**
 * The class-map layer of the boundary charts, painted on Frame's canvas under the SVG: predicted class +
 * confidence per cell on a small canvas, which CSS scales up with smoothing (TensorFlow Playground's heatmap does the same): regions take a light tint of their class colour,
 * paler where the model is unsure; `discretise` drops the softening and shows flat regions.
 */
import { CLASS_COLORS, rgbBytes } from '../colors';
import { paint } from '../draw';

/** A class map: the predicted class and its confidence per cell, row-major, top row first. */
export interface ClassMapData {
  width: number;
  height: number;
  predicted: ArrayLike<number>;
  confidence: ArrayLike<number>;
}

/** Parsed once: a map paints tens of thousands of cells. */
const CLASS_RGB = CLASS_COLORS.map(rgbBytes);

/** How far towards the class colour a fully confident cell goes (the rest is white): regions stay light. */
const TINT = 0.5;

/** The RGB of one cell: white mixed with the class colour by TINT × (confidence above chance, rescaled to [0, 1]). */
export function cellColor(k: number, confidence: number, numClasses: number, discretise: boolean): [number, number, number] {
  const chance = 1 / numClasses;
  const strength = discretise ? 1 : Math.max(0, Math.min(1, (confidence - chance) / (1 - chance)));
  const t = TINT * (0.25 + 0.75 * strength);
  const [r, g, b] = CLASS_RGB[((k % CLASS_RGB.length) + CLASS_RGB.length) % CLASS_RGB.length];
  return [Math.round(255 + (r - 255) * t), Math.round(255 + (g - 255) * t), Math.round(255 + (b - 255) * t)];
}

export function paintClassMap(
  canvas: HTMLCanvasElement,
  map: ClassMapData,
  numClasses: number,
  discretise: boolean,
): void {
  paint(canvas, map.width, map.height, (i) => cellColor(map.predicted[i], map.confidence[i], numClasses, discretise));
}
