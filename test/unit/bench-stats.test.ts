import { describe, it, expect } from 'vitest';
import { attachPeer, formatTable, interleavedRatio, skippedRow, summarise, timingRow } from '../../src/lib/bench/stats';
import { forwardFlops } from '../../src/lib/bench/flops';
import { targetTable } from '../../scripts/bench/report';
import * as tf from '@tensorflow/tfjs';

describe('bench statistics', () => {
  it('median of odd and even counts, min and max, order-independent', () => {
    expect(summarise([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(summarise([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(summarise([7])).toEqual({ median: 7, min: 7, max: 7 });
  });

  it('rejects empty or non-finite samples', () => {
    expect(() => summarise([])).toThrow(/empty/);
    expect(() => summarise([1, NaN])).toThrow(/finite/);
  });

  it('a timing row has every JSON field, throughput = items / median', () => {
    const row = timingRow({ task: 'pgd20', where: 'node', backend: 'wasm', batch: 256 }, [200, 100, 400], 256, 0);
    expect(Object.keys(row).sort()).toEqual(
      ['backend', 'batch', 'images_per_s', 'leaked_tensors', 'max_ms', 'median_ms', 'min_ms', 'note', 'peer_images_per_s', 'ratio_to_peer', 'runs', 'task', 'where'].sort(),
    );
    expect(row.median_ms).toBe(200);
    expect(row.images_per_s).toBe(1280);
    expect(row.runs).toBe(3);
    expect(row.peer_images_per_s).toBeNull();
  });

  it('attaches the peer by task and batch and gives the ratio project/peer', () => {
    const rows = [
      timingRow({ task: 'pgd20', where: 'node', backend: 'wasm', batch: 256 }, [1000], 256, 0),
      timingRow({ task: 'pgd20', where: 'node', backend: 'wasm', batch: 1 }, [10], 1, 0),
      skippedRow({ task: 'fgsm', where: 'browser', backend: 'webgpu', batch: 256 }, 'too slow'),
    ];
    const out = attachPeer(rows, [
      { task: 'pgd20', batch: 256, images_per_s: 512 },
      { task: 'fgsm', batch: 256, images_per_s: 100 },
    ]);
    expect(out[0].peer_images_per_s).toBe(512);
    expect(out[0].ratio_to_peer).toBe(0.5);
    expect(out[1].ratio_to_peer).toBeNull();
    expect(out[2].ratio_to_peer).toBeNull();
    expect(rows[0].ratio_to_peer).toBeNull();
  });

  it('the table says "not available" in the peer columns when there is no PyTorch', () => {
    const rows = [timingRow({ task: 'fgsm', where: 'node', backend: 'wasm', batch: 1 }, [2], 1, 0)];
    const text = formatTable(rows, new Set(['fgsm']), false);
    expect(text.split('\n')).toHaveLength(3);
    expect(text).toContain('not available');
    expect(formatTable(attachPeer(rows, [{ task: 'fgsm', batch: 1, images_per_s: 1000 }]), new Set(['fgsm']), true)).toContain('0.50×');
  });

  it('interleaved runs: the ratio is the median of per-pair ratios, with its spread; failed peer calls drop out', () => {
    // Pair i: project ms, peer ms right after it. Load doubled both sides in pair 2: its ratio stays 2.
    const r = interleavedRatio([100, 200, 100, 50], [200, 400, null, 50], 10)!;
    expect(r.ratio_pairs).toBe(3);
    expect(r.ratio_to_peer).toBe(2); // ratios 2, 2, 1
    expect(r.ratio_min).toBe(1);
    expect(r.ratio_max).toBe(2);
    expect(r.peer_images_per_s).toBe(50); // 10 images / 200 ms (median peer call)
    expect(interleavedRatio([100], [null], 1)).toBeNull();
  });

  it('the target table gives the PGD row both ratios and calls it met only when both reach the goal', () => {
    const row = {
      ...timingRow({ task: 'pgd20', where: 'browser', backend: 'wasm-2', batch: 256, note: '' }, [100, 110, 90], 256, 0),
      ratio_to_peer: 2.5,
      ratio_min: 2.1,
      ratio_max: 2.9,
      ratio_pairs: 3,
      ratio_same_work: 1.4,
      ratio_same_work_min: 1.2,
      ratio_same_work_max: 1.6,
    };
    const line = targetTable([row]).split('\n').find((l) => l.startsWith('| PGD-20'))!;
    expect(line).toContain('2.50× PyTorch (pairs 2.10–2.90, n = 3)');
    expect(line).toContain('1.40× a PyTorch PGD that also drops broken rows (1.20–1.60)');
    // 2× the plain loop but 1.4× like for like: not called met.
    expect(line).toContain('| met against the plain PyTorch loop only |');
    const both = targetTable([{ ...row, ratio_same_work: 2.2 }]).split('\n').find((l) => l.startsWith('| PGD-20'))!;
    expect(both).toContain('| **met** |');
    const neither = targetTable([{ ...row, ratio_to_peer: 1.5 }]).split('\n').find((l) => l.startsWith('| PGD-20'))!;
    expect(neither).toContain('| missed |');
  });
});

describe('FLOPs from layer shapes', () => {
  it('counts conv and dense multiply-adds of mnist-cnn by hand', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.conv2d({ filters: 32, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 100, activation: 'relu' }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    // 14·14·16·(4·4·1) + 7·7·32·(4·4·16) + 1568·100 + 100·10 multiply-adds, 2 FLOPs each.
    const macs = 14 * 14 * 16 * 16 + 7 * 7 * 32 * 256 + 1568 * 100 + 100 * 10;
    expect(forwardFlops(m)).toBe(2 * macs);
    m.dispose();
  });
});

