/**
 * Painting small images onto canvases: grey or RGB images as they are (HWC, channels interleaved), signed maps
 * through the diverging palette, and an RGB perturbation as colour around mid-grey.
 */
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

const byte = (v: number) => Math.round(255 * Math.max(0, Math.min(1, v)));

/** A [0,1] grey image (single channel, row-major), drawn as the model sees it: 0 black, 1 white. */
export function drawGray(canvas: HTMLCanvasElement, data: ArrayLike<number>, w: number, h: number): void {
  paint(canvas, w, h, (i) => {
    const v = byte(data[i]);
    return [v, v, v];
  });
}

/** A [0,1] image of 1 (grey) or 3 (RGB, interleaved) channels, drawn as the model sees it. */
export function drawImage(canvas: HTMLCanvasElement, data: ArrayLike<number>, w: number, h: number, channels = 1): void {
  if (channels === 1) return drawGray(canvas, data, w, h);
  paint(canvas, w, h, (i) => [byte(data[3 * i]), byte(data[3 * i + 1]), byte(data[3 * i + 2])]);
}

/** A signed map: value/scale mapped to [−1,1] on the diverging palette (blue negative, red positive). */
export function drawSigned(canvas: HTMLCanvasElement, data: ArrayLike<number>, w: number, h: number, scale: number): void {
  const s = scale > 0 ? scale : 1;
  paint(canvas, w, h, (i) => divergingRgb(data[i] / s));
}

/** One channel of an interleaved image (δ's red, green or blue part, for the per-channel maps). */
export function channelOf(data: ArrayLike<number>, channels: number, c: number): Float32Array {
  const n = Math.floor(data.length / channels);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels + c];
  return out;
}

/**
 * A perturbation of 1 or 3 channels. Grey: the diverging map. RGB: 0.5 + δ/(2·scale) per channel, so mid-grey is
 * "no change", a full-scale positive change saturates that channel and a negative one removes it — the colour
 * shows which channels moved which way.
 */
export function drawDelta(canvas: HTMLCanvasElement, data: ArrayLike<number>, w: number, h: number, scale: number, channels = 1): void {
  if (channels === 1) return drawSigned(canvas, data, w, h, scale);
  const s = scale > 0 ? scale : 1;
  const v = (x: number) => byte(0.5 + x / (2 * s));
  paint(canvas, w, h, (i) => [v(data[3 * i]), v(data[3 * i + 1]), v(data[3 * i + 2])]);
}

/** Largest absolute value, for symmetric colour scales. */
export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  return m;
}
