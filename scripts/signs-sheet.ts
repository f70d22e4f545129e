/**
 * `npx tsx scripts/signs-sheet.ts [--out docs/signs-contact-sheet.png]`: a contact sheet of the procedural traffic
 * signs, one row per class: the clean frontal render, then the first test-split images of that class, 4× enlarged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSign, renderSplitImage, SIGN_NUM_CLASSES, SIGN_SIZE } from '../src/lib/data/signs';
import { isMainModule, runCommand, type Command } from './cli';
import { encodePng, tileGrid } from './png';

const SHEET_COMMAND: Command<{ out: { type: 'string'; value: string; help: string; default: string } }> = {
  name: 'npx tsx scripts/signs-sheet.ts',
  summary: 'Writes a contact sheet of the procedural traffic signs: per class the clean render, then test images, 4× enlarged.',
  options: { out: { type: 'string', value: 'file', help: 'the PNG to write', default: 'docs/signs-contact-sheet.png' } },
};

async function main(values: { out: string | undefined }): Promise<void> {
  const out = path.resolve(values.out ?? 'docs/signs-contact-sheet.png');
  const PER_ROW = 11;
  const tiles = Array.from({ length: SIGN_NUM_CLASSES }, (_, k) => [
    renderSign(k, 0, { clean: true }).rgb,
    ...Array.from({ length: PER_ROW }, (_, j) => renderSplitImage('test', k + j * SIGN_NUM_CLASSES).rgb),
  ]);
  const grid = tileGrid(tiles, SIGN_SIZE, 4);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, encodePng(grid.rgb, grid.width, grid.height));
  console.error(`wrote ${path.relative(process.cwd(), out)} (${grid.width}×${grid.height})`);
}

if (isMainModule(import.meta.url)) runCommand(SHEET_COMMAND, main);
