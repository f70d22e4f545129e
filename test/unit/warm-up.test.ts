import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../src/lib/backend/node';
import { layersModelAsAttackModel } from '../../src/lib/attacks/model-adapter';
import { loadModelFromFile } from '../../src/lib/models/node';
import { attackPathPieces, IdleWarmUp, type WarmUpPiece } from '../../src/worker/warm-up';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `ok()` (the machine may be loaded: no fixed sleep decides a result). */
async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(5);
  }
}

/** Pieces that log their start and end; piece `sendAt` sends a message (a request) while it runs. */
function loggedPieces(log: string[], count: number, sendAt: number, send: () => void): WarmUpPiece[] {
  return Array.from({ length: count }, (_, i) => async () => {
    log.push(`start ${i}`);
    if (i === sendAt) send();
    // A piece is synchronous work between yields (as a library call on wasm is).
    const until = performance.now() + 2;
    while (performance.now() < until);
    log.push(`end ${i}`);
  });
}

/** A message port standing in for the worker's: its handler tells the warm-up, then logs the request. */
function requestChannel(warm: IdleWarmUp, log: string[]): { send: () => void; close: () => void } {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    warm.activity();
    log.push('request');
  };
  return { send: () => channel.port2.postMessage(null), close: () => channel.port1.close() };
}

describe('IdleWarmUp', () => {
  it('does nothing until enabled (the lab methods called in Node start no warm-up)', async () => {
    const warm = new IdleWarmUp(5, () => true);
    let ran = 0;
    warm.request('m', () => [async () => void ran++]);
    await sleep(30);
    expect(ran).toBe(0);
    expect(warm.current).toBeNull();
  });

  it('does nothing where tensors do not live in host memory', async () => {
    const warm = new IdleWarmUp(5, () => false);
    warm.enable();
    let ran = 0;
    warm.request('m', () => [async () => void ran++]);
    await waitFor(() => warm.current !== null);
    await warm.current;
    expect(ran).toBe(0);
    expect(warm.done('m')).toBe(false);
  });

  it('waits for an idle spell, lets a request in after the piece in progress, and starts again later', async () => {
    const warm = new IdleWarmUp(150, () => true);
    warm.enable();
    const log: string[] = [];
    const port = requestChannel(warm, log);
    let attempt = 0;
    warm.request('m', () => loggedPieces(log, 6, attempt++ === 0 ? 2 : -1, port.send));
    // Activity before the idle spell ends postpones the start.
    await sleep(30);
    warm.activity();
    await sleep(60);
    expect(log).toEqual([]);
    await waitFor(() => log.includes('request'));
    await warm.current;
    // The request sent during piece 2 ran right after it; piece 3 never started in that attempt.
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'request']);
    expect(warm.done('m')).toBe(false);
    // The next idle spell runs the warm-up again, whole.
    await waitFor(() => warm.done('m'));
    expect(log.slice(7)).toEqual(Array.from({ length: 6 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
    // Finished for this key: not repeated.
    warm.request('m', () => loggedPieces(log, 6, -1, port.send));
    await sleep(300);
    expect(log.length).toBe(19);
    port.close();
  });

  it('swallows a failing piece and stops (a model removed meanwhile)', async () => {
    const warm = new IdleWarmUp(5, () => true);
    warm.enable();
    let after = 0;
    warm.request('m', () => [
      async () => {
        throw new Error('gone');
      },
      async () => void after++,
    ]);
    await waitFor(() => warm.current !== null);
    await expect(warm.current).resolves.toBeUndefined();
    expect(after).toBe(0);
    expect(warm.done('m')).toBe(false);
  });
});

describe('attackPathPieces', () => {
  it('runs a prediction, FGSM and PGD on a blank image of mnist-cnn and leaves no tensor', async () => {
    await initNodeBackend('wasm');
    const layers = await loadModelFromFile(path.resolve('models/mnist-cnn/model.json'));
    const model = layersModelAsAttackModel(layers, [0, 1]);
    const pieces = attackPathPieces(model);
    expect(pieces.length).toBeGreaterThan(20);
    const before = tf.memory().numTensors;
    for (const piece of pieces) {
      await piece();
      expect(tf.memory().numTensors).toBe(before);
    }
    layers.dispose();
  }, 60_000);
});
