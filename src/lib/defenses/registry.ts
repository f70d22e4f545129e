/** Builds the input transform of a catalog defense (catalog.ts) from its one setting. */
import { bitDepth } from './bit-depth';
import { gaussianBlur } from './blur';
import { defenseInfo } from './catalog';
import { jpeg } from './jpeg';
import { medianFilter } from './median';
import { gaussianNoise } from './noise';
import { randomResizePad } from './resize-pad';
import type { InputTransform } from './transform';
import type { AttackModel } from '../attacks/types';
import type { DefenseChoice } from './choice';
import { defend } from './defend';

export function makeTransform(id: string, value?: number): InputTransform {
  const info = defenseInfo(id);
  const v = value ?? info.setting?.default;
  if (info.setting && (typeof v !== 'number' || !(v >= info.setting.min && v <= info.setting.max))) {
    throw new Error(`${info.name}: ${info.setting.label} must be in ${info.setting.min}–${info.setting.max}, got ${v}`);
  }
  switch (info.id) {
    case 'jpeg':
      return jpeg(v!);
    case 'bit-depth':
      return bitDepth(v!);
    case 'median':
      return medianFilter(v!);
    case 'blur':
      return gaussianBlur(v!);
    case 'noise':
      return gaussianNoise(v!);
    case 'resize-pad':
      return randomResizePad(v!);
    default:
      throw new Error(`${info.name} is not an input transform`);
  }
}

/**
 * The model behind a chosen defense (choice.ts), as attacks see it: the real transform on the forward pass, the
 * chosen gradient on the backward pass. Success is judged by this same model, i.e. by the deployed defense.
 */
export function defendedModel(model: AttackModel, choice: DefenseChoice, seed = 1): AttackModel {
  return defend(model, makeTransform(choice.id, choice.value), { gradient: choice.gradient, samples: choice.samples, seed });
}
