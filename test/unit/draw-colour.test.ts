/**
 * Colour drawing (src/ui/draw.ts): an RGB image reaches the canvas byte for byte, the RGB perturbation is drawn
 * around mid-grey (zero → grey, +scale saturates that channel, −scale removes it), and channelOf de-interleaves.
 */
import { describe, it, expect } from 'vitest';
import { channelOf, drawDelta, drawImage } from '../../src/ui/draw';

/** A canvas stand-in that keeps what putImageData received. */
function fakeCanvas() {
  const state: { data: ArrayLike<number> } = { data: [] };
  const ctx = {
    createImageData: (w: number, h: number) => ({ data: new Uint8ClampedArray(4 * w * h) }),
    putImageData: (img: { data: ArrayLike<number> }) => (state.data = img.data),
  };
  const canvas = { width: 0, height: 0, getContext: () => ctx } as unknown as HTMLCanvasElement;
  return { canvas, state };
}

describe('colour drawing', () => {
  it('draws an interleaved RGB image byte for byte (values in [0,1], clipped)', () => {
    const { canvas, state } = fakeCanvas();
    const px = [0, 0.5, 1, 1.2, -0.1, 64 / 255]; // two pixels, HWC
    drawImage(canvas, px, 2, 1, 3);
    expect(canvas.width).toBe(2);
    expect(Array.from(state.data)).toEqual([0, 128, 255, 255, 255, 0, 64, 255]);
  });

  it('draws grey images as three equal channels', () => {
    const { canvas, state } = fakeCanvas();
    drawImage(canvas, [0.25], 1, 1, 1);
    expect(Array.from(state.data)).toEqual([64, 64, 64, 255]);
  });

  it('draws an RGB perturbation around mid-grey, saturating at ±scale', () => {
    const { canvas, state } = fakeCanvas();
    const s = 8 / 255;
    drawDelta(canvas, [0, 0, 0, s, -s, s / 2], 2, 1, s, 3);
    expect(Array.from(state.data)).toEqual([128, 128, 128, 255, 255, 0, 191, 255]);
  });

  it('splits channels', () => {
    expect(Array.from(channelOf([1, 2, 3, 4, 5, 6], 3, 1))).toEqual([2, 5]);
  });
});
