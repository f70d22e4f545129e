/**
 * Turning a drawing or an uploaded picture into what an MNIST model expects, on the main thread with plain arrays
 * (no tensors): grey values in [0, 1] with a dark background, the content scaled so that its bounding box fits a
 * 20×20 box (keeping the aspect ratio) and shifted so that its centre of mass sits at the centre of the 28×28
 * frame — the recipe LeCun et al. used to build MNIST.
 */

export interface GrayImage {
  /** Row-major values in [0, 1]. */
  data: Float32Array;
  width: number;
  height: number;
}

/** Luma (ITU-R BT.601) of RGBA bytes, in [0, 1]; transparent pixels count as the background colour given. */
export function rgbaToGray(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, background = 1): GrayImage {
  if (rgba.length !== width * height * 4) throw new Error(`rgba: expected ${width * height * 4} bytes, got ${rgba.length}`);
  const data = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = rgba[4 * i + 3] / 255;
    const luma = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    data[i] = a * luma + (1 - a) * background;
  }
  return { data, width, height };
}

/**
 * Makes the background dark, as in MNIST (white strokes on black). A photo of ink on paper has a light border;
 * the median of the border pixels decides.
 */
export function darkBackground(img: GrayImage): GrayImage {
  const { data, width: w, height: h } = img;
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(data[x], data[(h - 1) * w + x]);
  for (let y = 1; y < h - 1; y++) border.push(data[y * w], data[y * w + w - 1]);
  border.sort((a, b) => a - b);
  const median = border[Math.floor(border.length / 2)] ?? 0;
  if (median <= 0.5) return img;
  return { data: data.map((v) => 1 - v), width: w, height: h };
}

/**
 * Stretches contrast so that the background becomes 0 and the strongest stroke 1: a pencil photo on grey paper
 * reads like a clean MNIST digit. Values below the background level (median) are clipped to 0.
 */
export function normaliseContrast(img: GrayImage): GrayImage {
  const sorted = Float32Array.from(img.data).sort();
  const background = sorted[Math.floor(sorted.length / 2)];
  const peak = sorted[sorted.length - 1];
  if (peak - background < 1e-3) return { ...img, data: new Float32Array(img.data.length) };
  const data = img.data.map((v) => Math.max(0, Math.min(1, (v - background) / (peak - background))));
  return { ...img, data };
}

/** Bounding box of pixels brighter than `threshold`; null for an empty image. */
export function contentBox(img: GrayImage, threshold = 0.1): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * Area-average resampling of the rectangle [sx0, sx1)×[sy0, sy1) of `src` onto a dw×dh grid: every source pixel
 * contributes in proportion to the area it covers, so thin strokes are not lost when shrinking a big drawing.
 */
export function resampleArea(src: GrayImage, sx0: number, sy0: number, sx1: number, sy1: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  const fx = (sx1 - sx0) / dw;
  const fy = (sy1 - sy0) / dh;
  for (let dy = 0; dy < dh; dy++) {
    const ya = sy0 + dy * fy, yb = ya + fy;
    for (let dx = 0; dx < dw; dx++) {
      const xa = sx0 + dx * fx, xb = xa + fx;
      let sum = 0, area = 0;
      for (let y = Math.floor(ya); y < Math.ceil(yb); y++) {
        const wy = Math.min(yb, y + 1) - Math.max(ya, y);
        if (wy <= 0 || y < 0 || y >= src.height) continue;
        for (let x = Math.floor(xa); x < Math.ceil(xb); x++) {
          const wx = Math.min(xb, x + 1) - Math.max(xa, x);
          if (wx <= 0 || x < 0 || x >= src.width) continue;
          sum += wx * wy * src.data[y * src.width + x];
          area += wx * wy;
        }
      }
      out[dy * dw + dx] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/** Centre of mass (x, y) of a grey image, in pixel coordinates of pixel centres; the frame centre when empty. */
export function centreOfMass(data: ArrayLike<number>, width: number, height: number): [number, number] {
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return m > 0 ? [mx / m, my / m] : [width / 2, height / 2];
}

export interface MnistFrameOptions {
  /** Output side (28 for MNIST). */
  size?: number;
  /** Side of the box the content's bounding box is fitted into (20 for MNIST). */
  box?: number;
  threshold?: number;
}

/**
 * The MNIST recipe: crop to the content, fit it into box×box keeping the aspect ratio, and place it in a
 * size×size frame with its centre of mass at the centre. An empty image gives an all-black frame.
 */
export function toMnistFrame(img: GrayImage, { size = 28, box = 20, threshold = 0.1 }: MnistFrameOptions = {}): Float32Array {
  const frame = new Float32Array(size * size);
  const bb = contentBox(img, threshold);
  if (!bb) return frame;
  const bw = bb.x1 - bb.x0, bh = bb.y1 - bb.y0;
  // Square crop around the box, so that the aspect ratio survives resampling onto a square grid.
  const side = Math.max(bw, bh);
  const cx = (bb.x0 + bb.x1) / 2, cy = (bb.y0 + bb.y1) / 2;
  const fitted = resampleArea(img, cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2, box, box);
  const [mx, my] = centreOfMass(fitted, box, box);
  const ox = Math.round(size / 2 - mx), oy = Math.round(size / 2 - my);
  for (let y = 0; y < box; y++) {
    for (let x = 0; x < box; x++) {
      const tx = x + ox, ty = y + oy;
      if (tx >= 0 && tx < size && ty >= 0 && ty < size) frame[ty * size + tx] = Math.min(1, fitted[y * box + x]);
    }
  }
  return frame;
}

/** Everything an uploaded picture goes through: grey, dark background, contrast, MNIST frame. */
export function photoToMnist(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, size = 28): Float32Array {
  const gray = normaliseContrast(darkBackground(rgbaToGray(rgba, width, height)));
  return toMnistFrame(gray, { size, box: Math.round((size * 20) / 28) });
}
