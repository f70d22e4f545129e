/**
 * JPEG compression as a defense (Dziugaite et al. 2016; Das et al. 2017; Guo et al. 2018), the codec's lossy
 * pipeline written in tfjs ops: 8-bit pixels, (for colour) RGB → YCbCr, level shift by 128, edge-replicate padding
 * to whole 8×8 blocks, 2-D DCT-II per block, division by the standard JPEG quantisation table (ITU-T T.81 Annex K;
 * luminance for Y, chrominance for Cb/Cr) scaled by quality as the IJG encoder does, rounding, and the inverse of
 * each step back to 8-bit pixels. Chroma is not subsampled (4:4:4) and the lossless entropy coding is left out —
 * neither changes what the model sees beyond the subsampling. Every rounding is floor-based (roundHalfAway), whose gradient is zero:
 * the naive gradient through this transform is exactly zero.
 */
import * as tf from '@tensorflow/tfjs';
import { checkImageBatch, checkRange, type InputTransform } from './transform';

/** ITU-T T.81 Table K.1, luminance, row-major. */
export const LUMINANCE_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** ITU-T T.81 Table K.2, chrominance. */
export const CHROMINANCE_TABLE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array(32).fill(99),
];

/** The table at a quality in 1–100, as libjpeg scales it (quality 50 = the table itself; entries kept in 1–255). */
export function scaledTable(table: number[], quality: number): number[] {
  checkRange(quality, 'JPEG quality', 1, 100, true);
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  return table.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

/** The orthonormal 8-point DCT-II matrix D (row u = frequency): coefficients = D · block · Dᵀ. */
export function dctMatrix(): number[] {
  const d: number[] = [];
  for (let u = 0; u < 8; u++) {
    const c = u === 0 ? Math.sqrt(1 / 8) : Math.sqrt(2 / 8);
    for (let x = 0; x < 8; x++) d.push(c * Math.cos(((2 * x + 1) * u * Math.PI) / 16));
  }
  return d;
}

/**
 * Rounding half away from zero, as libjpeg quantises (tf.round rounds half to even, and DCT coefficients of integer
 * pixels land on exact halves often enough to matter). Built from floor and where, so its gradient is zero too.
 */
export function roundHalfAway(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.where(t.greaterEqual(0), tf.floor(t.add(0.5)), tf.floor(t.neg().add(0.5)).neg()));
}

/** M · B · Mᵀ for every 8×8 block of b [K, 8, 8] (M given as an [8, 8] tensor). */
function sandwich(b: tf.Tensor3D, m: tf.Tensor2D): tf.Tensor3D {
  const k = b.shape[0];
  const right = (t: tf.Tensor3D) => t.reshape([k * 8, 8]).matMul(m, false, true).reshape([k, 8, 8]) as tf.Tensor3D;
  // (B Mᵀ)ᵀ = M Bᵀ; once more: M Bᵀ Mᵀ; transposed back: M B Mᵀ.
  return right(right(b).transpose([0, 2, 1])).transpose([0, 2, 1]);
}

const RGB_TO_YCBCR = [
  [0.299, 0.587, 0.114],
  [-0.168736, -0.331264, 0.5],
  [0.5, -0.418688, -0.081312],
];
const YCBCR_TO_RGB = [
  [1, 0, 1.402],
  [1, -0.344136, -0.714136],
  [1, 1.772, 0],
];

export function jpeg(quality: number): InputTransform {
  const luma = scaledTable(LUMINANCE_TABLE, quality);
  const chroma = scaledTable(CHROMINANCE_TABLE, quality);
  return {
    id: 'jpeg',
    randomized: false,
    apply: (x) =>
      tf.tidy(() => {
        const [n, h, w, c] = checkImageBatch(x, 'JPEG');
        if (c !== 1 && c !== 3) throw new Error(`JPEG needs 1 (grey) or 3 (RGB) channels, got ${c}`);
        const d = tf.tensor2d(dctMatrix(), [8, 8]);
        let pix = roundHalfAway(x.clipByValue(0, 1).mul(255));
        // Colour: to YCbCr (a per-pixel 3×3 matrix); chroma centred on 128 like luma after the level shift.
        if (c === 3) pix = pix.reshape([-1, 3]).matMul(tf.tensor2d(RGB_TO_YCBCR), false, true).reshape([n, h, w, 3]).add(tf.tensor1d([0, 128, 128]));
        const hp = Math.ceil(h / 8) * 8;
        const wp = Math.ceil(w / 8) * 8;
        // Edge replication, as encoders pad partial blocks.
        let padded = pix.sub(128);
        if (hp > h) padded = tf.concat([padded, tf.tile(padded.slice([0, h - 1, 0, 0], [n, 1, w, c]), [1, hp - h, 1, 1])], 1);
        if (wp > w) padded = tf.concat([padded, tf.tile(padded.slice([0, 0, w - 1, 0], [n, hp, 1, c]), [1, 1, wp - w, 1])], 2);
        const by = hp / 8;
        const bx = wp / 8;
        // Blocks in (image, channel, block row, block column) order as [K, 8, 8]; kept to rank ≤ 4 because the wasm
        // backend's transpose and broadcasting go wrong on rank-6 tensors.
        const blocks = padded
          .transpose([0, 3, 1, 2])
          .reshape([n * c * by, 8, bx, 8])
          .transpose([0, 2, 1, 3])
          .reshape([-1, 8, 8]) as tf.Tensor3D;
        const coef = sandwich(blocks, d);
        // One table per channel: luma for channel 0, chroma for the others.
        const tables = tf.tensor(Array.from({ length: c }, (_, ch) => (ch === 0 ? luma : chroma)).flat(), [1, c, 1, 64]);
        const q = roundHalfAway(coef.reshape([n, c, by * bx, 64]).div(tables)).mul(tables).reshape([-1, 8, 8]) as tf.Tensor3D;
        const back = sandwich(q, d.transpose() as tf.Tensor2D)
          .reshape([n * c * by, bx, 8, 8])
          .transpose([0, 2, 1, 3])
          .reshape([n, c, hp, wp])
          .transpose([0, 2, 3, 1])
          .slice([0, 0, 0, 0], [n, h, w, c])
          .add(128);
        let rgb = back;
        if (c === 3) rgb = back.sub(tf.tensor1d([0, 128, 128])).reshape([-1, 3]).matMul(tf.tensor2d(YCBCR_TO_RGB), false, true).reshape([n, h, w, 3]);
        return roundHalfAway(rgb).clipByValue(0, 255).div(255);
      }),
  };
}
