/**
 * Training checkpoints on disk for `npm run train -- --resume`: the loop's TrainState as state.json (numbers, the
 * generator's position, the epoch's order, histories) plus tensors.bin (weights, optimizer slots and the best
 * weights as float32, in the order state.json lists them). Written to temporary names and renamed, so a run killed
 * while saving leaves the previous checkpoint intact.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SavedTensor, TrainState } from '../src/lib/train/train';

interface TensorEntry {
  group: 'weights' | 'optimizer' | 'best';
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

export function checkpointExists(dir: string): boolean {
  return existsSync(path.join(dir, 'state.json')) && existsSync(path.join(dir, 'tensors.bin'));
}

export function writeCheckpoint(dir: string, state: TrainState): void {
  mkdirSync(dir, { recursive: true });
  const entries: TensorEntry[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  const add = (group: TensorEntry['group'], list: SavedTensor[]) => {
    for (const t of list) {
      entries.push({ group, name: t.name, shape: t.shape, offset });
      parts.push(t.data);
      offset += t.data.length;
    }
  };
  add('weights', state.weights);
  add('optimizer', state.optimizer);
  if (state.best) add('best', state.best.weights);
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const { weights: _w, optimizer: _o, best, order, ...rest } = state;
  const json = {
    format: 'adversarial-playground-train-checkpoint/1',
    ...rest,
    order: Array.from(order),
    best: best ? { step: best.step, value: best.value } : null,
    tensors: entries,
  };
  writeFileSync(path.join(dir, 'tensors.bin.tmp'), new Uint8Array(all.buffer));
  writeFileSync(path.join(dir, 'state.json.tmp'), JSON.stringify(json));
  renameSync(path.join(dir, 'tensors.bin.tmp'), path.join(dir, 'tensors.bin'));
  renameSync(path.join(dir, 'state.json.tmp'), path.join(dir, 'state.json'));
}

export function readCheckpoint(dir: string): TrainState {
  const file = path.join(dir, 'state.json');
  let json: Record<string, unknown> & { tensors: TensorEntry[]; order: number[]; best: { step: number; value: number } | null };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the checkpoint ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (json.format !== 'adversarial-playground-train-checkpoint/1') throw new Error(`${file} is not a training checkpoint`);
  const buf = readFileSync(path.join(dir, 'tensors.bin'));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const group = (g: TensorEntry['group']): SavedTensor[] =>
    json.tensors
      .filter((e) => e.group === g)
      .map((e) => {
        const size = e.shape.reduce((a, b) => a * b, 1);
        if (e.offset + size > all.length) throw new Error(`${dir}/tensors.bin is shorter than state.json says (a partial write?)`);
        return { name: e.name, shape: e.shape, data: all.slice(e.offset, e.offset + size) };
      });
  const { tensors: _t, format: _f, best, order, ...rest } = json;
  return {
    ...(rest as unknown as Omit<TrainState, 'weights' | 'optimizer' | 'best' | 'order'>),
    order: Int32Array.from(order),
    weights: group('weights'),
    optimizer: group('optimizer'),
    best: best ? { ...best, weights: group('best') } : null,
  };
}
