/**
 * One URL-state schema per panel: each key is declared once (type, range, default) and the schema gives both the
 * parser (tampered values are reported through urlProblems and replaced by the default, the same way everywhere)
 * and the writer. Keys must be unique across panels (prefix them: "t…" trade-off, "ft…" fine-tuning, …).
 */
import { acceptAddress, readHash, reportUrlProblem, updateHash, type Params } from '../url-state';
import { formatCount } from '../../lib/util/format-count';

export interface Field<T> {
  /** The value for a raw string from the address (undefined: the key is absent). */
  parse(raw: string | undefined, key: string): T;
  /** The string written to the address ('' drops the key). */
  write(value: T): string;
}

/** How many values have been refused so far (read() compares it to know which keys were tampered with). */
let refusals = 0;

/** Reports a refused address value (and counts it, so read() writes the replacement back). For Fields made elsewhere. */
export const report = (key: string, raw: string, what: string, fallback: string) => {
  refusals++;
  reportUrlProblem(`“${key}=${raw.slice(0, 30)}” in the address is not ${what}; using ${fallback}.`);
};

/**
 * A name from the address (a model id, …) that is not among those the engine knows: reported like any other
 * tampered value. The panel replaces it by `using` and writes that back.
 */
export function reportUnknownName(key: string, raw: string, known: readonly string[], using: string): void {
  const list = known.length > 8 ? `${known.slice(0, 8).join(', ')}, …` : known.join(', ');
  report(key, raw, `one of ${list}`, using);
}

/** A bound as a person reads it: 1/255 as 0.003922, 2000 as 2 000. */
const bound = (v: number) => formatCount(+v.toPrecision(4));
const range = (min: number, max: number, integer?: boolean) => `${integer ? 'a whole number' : 'a number'} from ${bound(min)} to ${bound(max)}`;

/** A number from the address in [min, max] (whole with integer), or `fallback` after reporting why not. */
function readNumber<T>(raw: string, key: string, min: number, max: number, integer: boolean | undefined, fallback: T, fallbackText: string): number | T {
  const v = Number(raw);
  const what = raw.trim() === '' || !Number.isFinite(v) || v < min || v > max ? range(min, max, integer) : integer && !Number.isInteger(v) ? 'a whole number' : null;
  if (what === null) return v;
  report(key, raw, what, fallbackText);
  return fallback;
}

/** A number in [min, max] (whole numbers only with integer). */
export function num(fallback: number, min: number, max: number, opts: { integer?: boolean } = {}): Field<number> {
  return {
    parse: (raw, key) => (raw === undefined ? fallback : readNumber(raw, key, min, max, opts.integer, fallback, String(fallback))),
    write: (v) => String(v),
  };
}

/** A number in [min, max] that may be absent: its default comes from the engine later (undefined until then). */
export function optionalNum(min: number, max: number, opts: { integer?: boolean } = {}): Field<number | undefined> {
  return {
    parse: (raw, key) => (raw === undefined ? undefined : readNumber(raw, key, min, max, opts.integer, undefined, 'the default')),
    write: (v) => (v === undefined ? '' : String(v)),
  };
}

/** One of a fixed set of strings. */
export function choice<T extends string>(choices: readonly T[], fallback: T): Field<T> {
  return {
    parse(raw, key) {
      if (raw === undefined) return fallback;
      if ((choices as readonly string[]).includes(raw)) return raw as T;
      report(key, raw, `one of ${choices.join(', ')}`, fallback);
      return fallback;
    },
    write: (v) => v,
  };
}

/** A flag from the address ('1'/'true', '0'/'false'), or `fallback` after reporting why not. */
function readBool<T>(raw: string, key: string, fallback: T, fallbackText: string): boolean | T {
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  report(key, raw, '0 or 1', fallbackText);
  return fallback;
}

/** A flag that may be absent (undefined: the default of whatever it sets); a tampered one becomes `tampered`. */
export function optionalBool(tampered?: boolean): Field<boolean | undefined> {
  return {
    parse: (raw, key) => (raw === undefined ? undefined : readBool(raw, key, tampered, tampered === undefined ? 'the default' : tampered ? '1' : '0')),
    write: (v) => (v === undefined ? '' : v ? '1' : '0'),
  };
}

export function bool(fallback: boolean): Field<boolean> {
  return {
    parse: (raw, key) => (raw === undefined ? fallback : readBool(raw, key, fallback, fallback ? '1' : '0')),
    write: (v) => (v ? '1' : '0'),
  };
}

/**
 * A free string such as a model id. It can be checked only against lists the engine sends later, so the panel
 * does that (and reports unknown ids); here it is only length-limited.
 */
export function text(fallback = ''): Field<string> {
  return {
    parse(raw, key) {
      if (raw === undefined) return fallback;
      if (raw.length > 200) {
        report(key, raw, 'a name of at most 200 characters', fallback || 'the default');
        return fallback;
      }
      return raw;
    },
    write: (v) => v,
  };
}

/** A comma-separated list of names (checked by the panel against what the engine knows, as text is). */
export function list(fallback: string[] = []): Field<string[]> {
  return {
    parse: (raw) => (raw === undefined ? fallback.slice() : raw.split(',').filter(Boolean).slice(0, 50)),
    write: (v) => v.join(','),
  };
}

/**
 * The address's version: bumped when the address changes from outside the panels (a lesson step, a pasted link,
 * Back), so that panel controllers, which otherwise read the address once and then keep their state across tab
 * switches, read it again on their next open(). The page calls addressChanged() from its hashchange handler.
 */
let addressVersion = 0;

export function addressChanged(): void {
  addressVersion++;
  acceptAddress();
}

export function currentAddressVersion(): number {
  return addressVersion;
}

type Values<S> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export interface UrlState<S extends Record<string, Field<unknown>>> {
  readonly keys: (keyof S & string)[];
  /** The schema as declared (tests compare each key's bounds with the panel's table). */
  readonly fields: S;
  /**
   * Every key of the schema from the address (or `params`), tampered ones reported and replaced. Read from the
   * address itself, the replacements are written back at once, so a bad value never stays in the address (a
   * shared link or a reload would otherwise report it again and again).
   */
  read(params?: Params): Values<S>;
  /** Writes the given keys back to the address, keeping every other key. */
  write(values: Partial<Values<S>>): void;
}

export function urlSchema<S extends Record<string, Field<unknown>>>(schema: S): UrlState<S> {
  const keys = Object.keys(schema) as (keyof S & string)[];
  return {
    keys,
    fields: schema,
    read(params?: Params) {
      const source = params ?? readHash();
      const out = {} as Values<S>;
      const fixes: Params = {};
      for (const k of keys) {
        const before = refusals;
        const v = schema[k].parse(source[k], k);
        (out as Record<string, unknown>)[k] = v;
        if (refusals !== before) fixes[k] = (schema[k] as Field<unknown>).write(v);
      }
      if (params === undefined && Object.keys(fixes).length > 0) updateHash(fixes);
      return out;
    },
    write(values) {
      const changes: Params = {};
      for (const k of keys) {
        if (!(k in values)) continue;
        changes[k] = (schema[k] as Field<unknown>).write((values as Record<string, unknown>)[k]);
      }
      updateHash(changes);
    },
  };
}
