/**
 * A defense chosen wherever a model is chosen (Attack Lab, ε trade-off curves, robustness report): an input transform
 * from the catalog at one setting, and the gradient the attacker differentiates through it. Plain data and checks,
 * no tfjs, so the UI can build and label one; registry.ts `defendedModel` turns it into a model.
 */
import { DEFENSES, GRADIENT_MODES, type GradientMode } from './catalog';

export interface DefenseChoice {
  /** A catalog id of an input transform (catalog.ts): jpeg, bit-depth, median, blur, noise, resize-pad. */
  id: string;
  /** The transform's one setting; its default when absent. */
  value?: number;
  gradient: GradientMode;
  /** EOT: random draws averaged per forward pass. */
  samples?: number;
}

/** Catalog defenses that wrap a model as an input transform (distillation is a model, smoothing a certificate). */
export const TRANSFORM_DEFENSES = DEFENSES.filter((d) => d.kind === 'transform' || d.kind === 'randomized transform');

/** Checks a defense choice from outside (the worker's arguments); messages name the argument. */
export function checkDefenseChoice(raw: unknown, name: string): DefenseChoice {
  if (raw === null || typeof raw !== 'object') throw new Error(`${name} must be an object {id, value?, gradient, samples?}`);
  const d = raw as Record<string, unknown>;
  const info = TRANSFORM_DEFENSES.find((x) => x.id === d.id);
  if (!info) throw new Error(`${name}.id must be one of ${TRANSFORM_DEFENSES.map((x) => x.id).join(', ')}, got ${JSON.stringify(d.id)}`);
  const gradient = d.gradient ?? 'naive';
  if (!(GRADIENT_MODES as readonly unknown[]).includes(gradient)) {
    throw new Error(`${name}.gradient must be one of ${GRADIENT_MODES.join(', ')}, got ${JSON.stringify(d.gradient)}`);
  }
  const s = info.setting!;
  if (d.value !== undefined && (typeof d.value !== 'number' || !(d.value >= s.min && d.value <= s.max))) {
    throw new Error(`${name}.value (${info.name}: ${s.label}) must be a number in ${s.min}–${s.max}, got ${String(d.value)}`);
  }
  if (d.samples !== undefined && (typeof d.samples !== 'number' || !Number.isInteger(d.samples) || d.samples < 1 || d.samples > 64)) {
    throw new Error(`${name}.samples must be an integer in 1–64, got ${String(d.samples)}`);
  }
  return { id: info.id, value: d.value as number | undefined, gradient: gradient as GradientMode, samples: d.samples as number | undefined };
}

const GRADIENT_WORDS: Record<GradientMode, string> = { naive: 'naive gradient', bpda: 'BPDA', eot: 'EOT' };

/** "JPEG compression, quality 75, BPDA": how reports and charts name a defended model. */
export function defenseLabel(c: DefenseChoice): string {
  const info = TRANSFORM_DEFENSES.find((x) => x.id === c.id);
  if (!info) return c.id;
  const s = info.setting;
  const setting = s ? `, ${s.label} ${c.value ?? s.default}` : '';
  const samples = c.gradient === 'eot' && c.samples ? ` ×${c.samples}` : '';
  return `${info.name}${setting}, ${GRADIENT_WORDS[c.gradient]}${samples}`;
}
