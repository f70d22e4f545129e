/**
 * `npx tsx scripts/signs-sheet.ts [--out docs/signs-contact-sheet.png]`: a contact sheet of the procedural traffic
 * signs, one row per class: the clean frontal render, then the first test-split images of that class, 4× enlarged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSign, renderSplitImage, SIGN_NUM_CLASSES, SIGN_SIZE } from '../src/lib/data/signs';
import { parseArgs, stringArg } from './cli';
import { encodePng, tileGrid } from './png';

const args = parseArgs(process.argv.slice(2));
const out = path.resolve(stringArg(args, 'out', 'docs/signs-contact-sheet.png'));
const PER_ROW = 11;
const tiles = Array.from({ length: SIGN_NUM_CLASSES }, (_, k) => [
  renderSign(k, 0, { clean: true }).rgb,
  ...Array.from({ length: PER_ROW }, (_, j) => renderSplitImage('test', k + j * SIGN_NUM_CLASSES).rgb),
]);
const grid = tileGrid(tiles, SIGN_SIZE, 4);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, encodePng(grid.rgb, grid.width, grid.height));
console.error(`wrote ${path.relative(process.cwd(), out)} (${grid.width}×${grid.height})`);
