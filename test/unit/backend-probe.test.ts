import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { probeCurrentBackend } from '../../src/lib/backend/probe';
import { initNodeBackend } from '../../src/lib/backend/node';

describe('the probe itself', () => {
  it('returns positive timings on wasm and leaks no tensor', async () => {
    await initNodeBackend('wasm');
    await probeCurrentBackend(1);
    const before = tf.memory().numTensors;
    const r = await probeCurrentBackend(2);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.interactiveMs).toBeGreaterThan(0);
    expect(r.batchMsPerImage).toBeGreaterThan(0);
    expect(Number.isFinite(r.interactiveMs + r.batchMsPerImage)).toBe(true);
  });
});
