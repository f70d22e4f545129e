import { describe, it, expect, beforeEach } from 'vitest';
import { bool, choice, list, num, optionalNum, reportUnknownName, text, urlSchema } from '../../src/ui/state/url-schema';
import { clearUrlProblems, onUrlProblems, readHash, urlProblems } from '../../src/ui/url-state';

/** A page address for the schema's own reads and writes (Node has no location or history). */
function fakeAddress(hash: string) {
  const g = globalThis as Record<string, unknown>;
  const loc = { pathname: '/', search: '', hash };
  g.location = loc;
  g.history = { replaceState: (_s: unknown, _t: string, url: string) => (loc.hash = url.slice(url.indexOf('#'))) };
  return loc;
}

/** One URL schema per panel: parse with reports and defaults, write back; the same rules for every key type. */
const schema = urlSchema({
  n: num(200, 10, 10000, { integer: true }),
  eps: num(0.1, 0.001, 1),
  scale: choice(['linear', 'log'] as const, 'linear'),
  stop: bool(true),
  model: text('mnist-cnn'),
  models: list(['a']),
  alpha: optionalNum(0.05, 4),
});

describe('urlSchema', () => {
  beforeEach(() => {
    urlProblems.length = 0;
  });

  it('absent keys take their defaults and nothing is reported', () => {
    expect(schema.read({})).toEqual({ n: 200, eps: 0.1, scale: 'linear', stop: true, model: 'mnist-cnn', models: ['a'], alpha: undefined });
    expect(urlProblems).toEqual([]);
  });

  it('valid values are parsed to their types', () => {
    const v = schema.read({ n: '500', eps: '0.3', scale: 'log', stop: '0', model: 'x', models: 'p,q', alpha: '1.25' });
    expect(v).toEqual({ n: 500, eps: 0.3, scale: 'log', stop: false, model: 'x', models: ['p', 'q'], alpha: 1.25 });
    expect(urlProblems).toEqual([]);
  });

  it('each tampered value is reported once, naming the key, and replaced by its default', () => {
    const v = schema.read({ n: '12.5', eps: 'abc', scale: 'cubic', stop: 'maybe', alpha: '99' });
    expect(v).toMatchObject({ n: 200, eps: 0.1, scale: 'linear', stop: true, alpha: undefined });
    expect(urlProblems).toHaveLength(5);
    expect(urlProblems[0]).toMatch(/“n=12\.5”.*whole number.*200/);
    expect(urlProblems[1]).toMatch(/“eps=abc”.*a number from 0\.001 to 1; using 0\.1/);
    expect(urlProblems[2]).toMatch(/“scale=cubic”.*one of linear, log/);
    expect(urlProblems[3]).toMatch(/“stop=maybe”.*0 or 1/);
    expect(urlProblems[4]).toMatch(/“alpha=99”.*the default/);
  });

  it('out-of-range and blank numbers are tampered too; long names are refused', () => {
    expect(schema.read({ n: '5', eps: '', model: 'x'.repeat(300) })).toMatchObject({ n: 200, eps: 0.1, model: 'mnist-cnn' });
    expect(urlProblems).toHaveLength(3);
  });

  it('what a schema writes, it reads back', () => {
    const fields = { n: num(1, 0, 9), s: choice(['a', 'b'] as const, 'a'), f: bool(false), l: list(), o: optionalNum(0, 1) };
    const written = { n: fields.n.write(7), s: fields.s.write('b'), f: fields.f.write(true), l: fields.l.write(['x', 'y']), o: fields.o.write(0.5) };
    expect(urlSchema(fields).read(written)).toEqual({ n: 7, s: 'b', f: true, l: ['x', 'y'], o: 0.5 });
    expect(fields.o.write(undefined)).toBe('');
  });
});

describe('tampered values in the address', () => {
  beforeEach(() => {
    urlProblems.length = 0;
  });

  it('are replaced in the address itself when read from it; valid and foreign keys stay as they were', () => {
    const loc = fakeAddress('#panel=tradeoff&n=1e9&eps=0.3&scale=cubic&alpha=NaN&other=keep');
    const v = schema.read();
    expect(v).toMatchObject({ n: 200, eps: 0.3, scale: 'linear', alpha: undefined });
    const after = readHash(loc.hash);
    // n and scale take their defaults, alpha (optional) is dropped, the rest is untouched.
    expect(after).toEqual({ panel: 'tradeoff', n: '200', eps: '0.3', scale: 'linear', other: 'keep' });
    expect(urlProblems).toHaveLength(3);
    // Read again, the address is clean: nothing more is reported.
    schema.read();
    expect(urlProblems).toHaveLength(3);
  });

  it('are not written anywhere when the values come from elsewhere (params)', () => {
    const loc = fakeAddress('#n=5');
    schema.read({ n: '5' });
    expect(loc.hash).toBe('#n=5');
  });

  it('never report NaN or undefined as what is used, whatever the garbage', () => {
    const garbage = ['NaN', 'Infinity', '-Infinity', '-1', '1e309', '0x10', '', ' ', 'null', 'undefined', '[]', '{}', '<script>', '1,2', '½', 'true'];
    for (const g of garbage) {
      const v = schema.read({ n: g, eps: g, scale: g, stop: g, alpha: g });
      expect(Number.isFinite(v.n) && v.n >= 10 && v.n <= 10000).toBe(true);
      expect(Number.isFinite(v.eps) && v.eps >= 0.001 && v.eps <= 1).toBe(true);
      expect(v.alpha === undefined || (v.alpha >= 0.05 && v.alpha <= 4)).toBe(true);
    }
    expect(urlProblems.length).toBeGreaterThan(50);
    for (const p of urlProblems) expect(p).not.toMatch(/using (NaN|undefined|null)\b/);
  });

  it('unknown names are reported in the same words as any other tampered value', () => {
    reportUnknownName('ftModel', 'nope', ['mnist-cnn', 'fashion-cnn'], 'mnist-cnn');
    expect(urlProblems).toEqual(['“ftModel=nope” in the address is not one of mnist-cnn, fashion-cnn; using mnist-cnn.']);
  });

  it('reach every listener (the page shows them), once per sentence, and are cleared for a new address', () => {
    const seen: (readonly string[])[] = [];
    const stop = onUrlProblems((list) => seen.push(list));
    schema.read({ n: 'x' });
    schema.read({ n: 'x' });
    expect(seen.at(-1)).toHaveLength(1);
    clearUrlProblems();
    expect(seen.at(-1)).toEqual([]);
    stop();
    schema.read({ n: 'y' });
    expect(seen.at(-1)).toEqual([]);
  });
});
