/** Painting small images onto canvases: grey images as they are, signed maps through the diverging palette. */
import { divergingRgb } from './colors';

/** Paints a w × h canvas pixel by pixel (opaque RGB); the canvas takes the image's size. */
export function paint(canvas: HTMLCanvasElement, w: number, h: number, pixel: (i: number) => [number, number, number]): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const [r, g, b] = pixel(i);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A [0,1] grey image (single channel, row-major), drawn as the model sees it: 0 black, 1 white. */
export function drawGray(canvas: HTMLCanvasElement, data: ArrayLike<number>, w: number, h: number): void {
  paint(canvas, w, h, (i) => {
    const v = Math.round(255 * Math.max(0, Math.min(1, data[i])));
    return [v, v, v];
  });
}

/** A signed map: value/scale mapped to [−1,1] on the diverging palette (blue negative, red positive). */
export function drawSigned(canvas: HTMLCanvasElement, data: ArrayLike<number>, w: number, h: number, scale: number): void {
  const s = scale > 0 ? scale : 1;
  paint(canvas, w, h, (i) => divergingRgb(data[i] / s));
}

/** Largest absolute value, for symmetric colour scales. */
export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  return m;
}
