/**
 * `npm run data`: writes the compact subsets the app loads into public/data/ (format: src/lib/data/subset.ts):
 *   <dataset>-test.bin   the first 2 000 images of the test set (MNIST: canonical t10k; Fashion-MNIST: our seeded split;
 *                        signs: the first 1 400 of the procedural test split, 100 per class, 32×32×3)
 *   <dataset>-train.bin  the first 10 000 images of the training set (for in-browser fine-tuning; signs: 2 800)
 * and public/data/index.json describing them. Deterministic: the same bytes on every run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLASS_NAMES, DATASET_IDS, takeFirst, type ImageDatasetId } from '../src/lib/data/dataset';
import { loadImageDataset } from '../src/lib/data/node-sources';
import { encodeSubset } from '../src/lib/data/subset';
import { isMainModule, runCommand, type Command, type OptionTable, type Values } from './cli';

export const SUBSET_SIZES = { test: 2_000, train: 10_000 } as const;
/** Colour images are 4× the bytes of MNIST's: fewer of them keep the files near MNIST's size. */
const SIZES: Record<ImageDatasetId, { test: number; train: number }> = {
  mnist: SUBSET_SIZES,
  'fashion-mnist': SUBSET_SIZES,
  signs: { test: 1_400, train: 2_800 },
};

/** Every option of `npm run data`, in one place. */
export const DATA_OPTIONS = {
  out: { type: 'string', value: 'dir', help: 'output folder (default: public/data)' },
} as const satisfies OptionTable;

export const DATA_COMMAND: Command<typeof DATA_OPTIONS> = {
  name: 'npm run data --',
  summary:
    `Writes the compact data subsets the app loads (the first ${SUBSET_SIZES.test} test and ${SUBSET_SIZES.train} training ` +
    'images of MNIST and Fashion-MNIST, fewer of the colour traffic signs) and index.json describing them. Deterministic: the same bytes on every run.',
  options: DATA_OPTIONS,
};

async function main(args: Values<typeof DATA_OPTIONS>): Promise<void> {
  const outDir = path.resolve(args.out ?? path.join(import.meta.dirname, '../public/data'));
  mkdirSync(outDir, { recursive: true });
  const files: { file: string; dataset: string; split: string; count: number; rows: number; cols: number; channels: number; classNames: string[]; bytes: number }[] = [];
  for (const id of DATASET_IDS) {
    for (const split of ['test', 'train'] as const) {
      const subset = takeFirst(loadImageDataset(id, split), SIZES[id][split]);
      const bytes = encodeSubset(subset);
      const file = `${id}-${split}.bin`;
      writeFileSync(path.join(outDir, file), bytes);
      files.push({ file, dataset: id, split, count: subset.count, rows: subset.rows, cols: subset.cols, channels: subset.channels, classNames: CLASS_NAMES[id], bytes: bytes.length });
      console.error(`wrote ${path.join(outDir, file)}: ${subset.count} images, ${bytes.length} bytes`);
    }
  }
  writeFileSync(path.join(outDir, 'index.json'), `${JSON.stringify({ version: 1, format: 'ADVD v1 (src/lib/data/subset.ts)', files }, null, 2)}\n`);
}

if (isMainModule(import.meta.url)) runCommand(DATA_COMMAND, main);
