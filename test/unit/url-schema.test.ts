import { describe, it, expect, beforeEach } from 'vitest';
import { bool, choice, list, num, optionalNum, text, urlSchema } from '../../src/ui/state/url-schema';
import { urlProblems } from '../../src/ui/url-state';

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
    expect(urlProblems[1]).toMatch(/“eps=abc”.*\[0\.001, 1\].*0\.1/);
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
