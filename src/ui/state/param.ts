/**
 * An address key for a parameter of a panel's table (src/lib/validate/numeric.ts TOY_FIELDS, …): it accepts exactly
 * what the panel's field and the worker accept — the same checkNumber on the same entry — and reports a refused
 * value with the entry's range, like every other key. Apart from url-schema.ts so that the app shell, which reads
 * only the panel key, does not carry the tables.
 */
import { checkNumber, rangeText, type NumberField } from '../../lib/validate/numeric';
import { report, type Field } from './url-schema';

/** A Field that reads one entry of a panel's parameter table (the entry is kept, for tests to compare). */
export interface ParamField<T> extends Field<T> {
  readonly param: NumberField;
}

/**
 * The reader both keys share: an absent value is the fallback; a refused one is reported (with what is used instead,
 * in words) and replaced by the fallback.
 */
function parseWith<T>(f: NumberField, fallback: T, usedInstead: string): Field<number | T>['parse'] {
  return (raw, key) => {
    if (raw === undefined) return fallback;
    try {
      return checkNumber(raw, f);
    } catch {
      report(key, raw, rangeText(f), usedInstead);
      return fallback;
    }
  };
}

export function param(fallback: number, f: NumberField): ParamField<number> {
  return { param: f, parse: parseWith(f, fallback, String(fallback)), write: (v) => String(v) };
}

/** A parameter that may be absent (undefined: a default the panel works out, e.g. the method's own step size). */
export function optionalParam(f: NumberField): ParamField<number | undefined> {
  return { param: f, parse: parseWith(f, undefined, 'the default'), write: (v) => (v === undefined ? '' : String(v)) };
}
