import { describe, it, expect } from 'vitest';
import { assembleReport, worstCase, type AttackOutcome } from '../../src/lib/eval/report';
import { paretoFront, tradeoffPoints, worstCaseAt } from '../../src/lib/eval/tradeoff';
import { median, radiiFromCurve, robustMargin, summariseRadii } from '../../src/lib/eval/radius';
import { curvesToCsv, curvesToJson, reportToCsv, reportToJson, csvField } from '../../src/lib/eval/export';
import type { CurvePoint } from '../../src/lib/eval/curves';

function mask(n: number, ones: number[]): Uint8Array {
  const m = new Uint8Array(n);
  for (const i of ones) m[i] = 1;
  return m;
}
const span = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function outcome(key: string, role: AttackOutcome['role'], success: Uint8Array, extra: Partial<AttackOutcome> = {}): AttackOutcome {
  return {
    key,
    attack: key,
    name: key.toUpperCase(),
    role,
    purpose: 'suite',
    epsilon: 0.3,
    success,
    hyperparameters: { steps: 10 },
    queries: 0,
    seconds: 0,
    ...extra,
  };
}

const OPTS = { model: 'm', dataset: 'mnist', epsilon: 0.3, seed: 1, largeEpsilon: 0.5, numClasses: 10 };

describe('per-example worst case', () => {
  it('is the per-example minimum, not the minimum of the means', () => {
    const n = 100;
    const clean = new Uint8Array(n).fill(1);
    clean[99] = 0; // a clean error
    // Each attack alone leaves 89 of 100 robust; they break disjoint examples.
    const a = mask(n, [...span(0, 10), 99]);
    const b = mask(n, [...span(10, 20), 99]);
    const w = worstCase(clean, [a, b]);
    expect(w.robust).toBe(79);
    expect(w.robustAccuracy).toBeCloseTo(0.79, 12);
    // The minimum of the means would have said 0.89.
    expect(Math.min(1 - 11 / n, 1 - 11 / n)).toBeCloseTo(0.89, 12);
    expect(w.brokenBy[5]).toBe(0);
    expect(w.brokenBy[15]).toBe(1);
    expect(w.brokenBy[50]).toBe(-1);
    expect(w.brokenBy[99]).toBe(-2);
    for (let i = 0; i < n; i++) expect(w.perExample[i]).toBe(clean[i] && !a[i] && !b[i] ? 1 : 0);
  });

  it('a clean error is never robust, even when no attack mask marks it', () => {
    const w = worstCase(mask(4, [0, 1, 2]), [new Uint8Array(4)]);
    expect(Array.from(w.perExample)).toEqual([1, 1, 1, 0]);
  });

  it('rejects a mask of the wrong length', () => {
    expect(() => worstCase(new Uint8Array(5).fill(1), [new Uint8Array(4)])).toThrow(/one per example/);
  });
});

describe('assembleReport', () => {
  const n = 200;
  const clean = new Uint8Array(n).fill(1);
  const fgsm = outcome('fgsm', 'single-step', mask(n, span(0, 30)));
  const pgd = outcome('pgd', 'iterative', mask(n, span(0, 50)));
  const square = outcome('square', 'black-box', mask(n, [...span(0, 20), ...span(60, 64)]));
  const noise = outcome('noise', 'noise', mask(n, span(0, 3)));
  const stronger = outcome('pgd-2x', 'iterative', mask(n, span(0, 51)), { attack: 'pgd', purpose: 'more-effort' });
  const large = outcome('pgd-large', 'iterative', mask(n, span(0, 195)), { attack: 'pgd', purpose: 'large-epsilon', epsilon: 0.5 });
  const report = assembleReport(clean, [fgsm, pgd, square, noise, stronger, large], OPTS);

  it('quotes the worst case over every row at the report ε, and not the large-ε check', () => {
    expect(report.cleanAccuracy).toBe(1);
    // Broken: 0–50 (PGD, 2× PGD) ∪ 60–63 (Square) = 55.
    expect(report.worstCase.robust).toBe(145);
    for (const row of report.rows) if (row.inWorstCase) expect(report.worstCase.robustAccuracy).toBeLessThanOrEqual(row.robustAccuracy);
    expect(report.rows.find((r) => r.key === 'pgd-large')!.inWorstCase).toBe(false);
    expect(report.rows.find((r) => r.key === 'pgd-large')!.robustAccuracy).toBeCloseTo(5 / 200, 12);
    expect(report.rows.find((r) => r.key === 'square')!.uniqueBreaks).toBe(4);
    expect(report.rows.find((r) => r.key === 'pgd-2x')!.uniqueBreaks).toBe(1);
    expect(report.rows.find((r) => r.key === 'pgd')!.uniqueBreaks).toBe(0);
    expect(report.worstCase.brokenBy[62]).toBe(2);
  });

  it('raises exactly the flags its rows call for', () => {
    const fired = report.flags.filter((f) => f.fired).map((f) => f.id);
    // Square alone breaks 4 examples (> 2 tolerated); nothing else is suspicious.
    expect(fired).toEqual(['black-box-beats-white-box']);
    expect(report.flags.every((f) => f.evaluated)).toBe(true);
  });

  it('reports the checks it could not make as not evaluated', () => {
    const r = assembleReport(clean, [pgd], OPTS);
    const byId = Object.fromEntries(r.flags.map((f) => [f.id, f]));
    expect(byId['noise-matches-attack'].evaluated).toBe(false);
    expect(byId['more-effort-changes-result'].evaluated).toBe(false);
    expect(byId['no-collapse-at-large-epsilon'].evaluated).toBe(false);
    expect(r.flags.some((f) => f.fired)).toBe(false);
  });

  it('rejects duplicate keys and masks of the wrong length', () => {
    expect(() => assembleReport(clean, [pgd, pgd], OPTS)).toThrow(/duplicate/);
    expect(() => assembleReport(clean, [outcome('x', 'iterative', new Uint8Array(3))], OPTS)).toThrow(/3 results for 200/);
  });

  it('exports every row with its hyperparameters as CSV and JSON', () => {
    const text = reportToCsv(report);
    const lines = text.trim().split('\n');
    expect(lines[0].split(',')).toContain('hyperparameters');
    expect(lines).toHaveLength(1 + 1 + 6 + 1 + 5);
    expect(lines.find((l) => l.startsWith('attack,PGD,'))).toContain('steps=10');
    expect(lines.find((l) => l.startsWith('worst-case'))).toContain(',0.725,145,');
    expect(lines.filter((l) => l.startsWith('flag,'))).toHaveLength(5);
    const json = JSON.parse(reportToJson(report));
    expect(json.worstCase.robust).toBe(145);
    expect(json.rows[1].success).toMatch(/^1{50}0{150}$/);
    expect(json.flags).toHaveLength(5);
  });

  it('quotes CSV fields that need it', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(0.1 + 0.2)).toBe('0.3');
  });
});

function point(model: string, attack: string, epsilon: number, broken: number[], n = 10): CurvePoint {
  const success = mask(n, broken);
  const robust = n - broken.length;
  return { model, attack, epsilon, robustAccuracy: robust / n, robust, n, success, seconds: 0.1 };
}

describe('trade-off and radius from curve points', () => {
  const points: CurvePoint[] = [
    point('std', 'pgd', 0, [9]),
    point('std', 'fgsm', 0, [9]),
    point('std', 'pgd', 0.1, [0, 1, 2, 9]),
    point('std', 'fgsm', 0.1, [3, 9]),
    point('std', 'pgd', 0.2, [0, 1, 2, 3, 4, 5, 9]),
    point('std', 'fgsm', 0.2, [3, 6, 9]),
    point('rob', 'pgd', 0, [8, 9]),
    point('rob', 'fgsm', 0, [8, 9]),
    point('rob', 'pgd', 0.1, [8, 9]),
    point('rob', 'fgsm', 0.1, [8, 9]),
    point('rob', 'pgd', 0.2, [7, 8, 9]),
    point('rob', 'fgsm', 0.2, [8, 9]),
  ];

  it('worst case over attacks at ε is per example', () => {
    expect(worstCaseAt(points, 'std', 0.1, ['pgd', 'fgsm'])).toEqual({ accuracy: 0.5, robust: 5, n: 10 });
    expect(worstCaseAt(points, 'std', 0.2, ['pgd', 'fgsm'])).toEqual({ accuracy: 0.2, robust: 2, n: 10 });
    expect(worstCaseAt(points, 'std', 0.3, ['pgd'])).toBeNull();
  });

  it('scatter points and the Pareto front', () => {
    const t = tradeoffPoints(points, ['std', 'rob'], ['pgd', 'fgsm'], 0.2);
    expect(t).toEqual([
      { model: 'std', clean: 0.9, robust: 0.2 },
      { model: 'rob', clean: 0.8, robust: 0.7 },
    ]);
    const extra = [...t, { model: 'worse', clean: 0.7, robust: 0.6 }, { model: 'tie', clean: 0.8, robust: 0.7 }];
    expect(paretoFront(extra).map((p) => p.model)).toEqual(['rob', 'tie', 'std']);
    expect(paretoFront([{ clean: 0.5, robust: 0.5 }, { clean: 0.6, robust: 0.5 }])).toEqual([{ clean: 0.6, robust: 0.5 }]);
  });

  it('radius = the first ε that breaks an example, 0 for clean errors, ∞ if never broken', () => {
    const r = radiiFromCurve(points, 'std', ['pgd', 'fgsm']);
    expect(Array.from(r)).toEqual([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, Infinity, Infinity, 0]);
    const s = summariseRadii(r, 0.2, 4);
    expect(s.cleanErrors).toBe(1);
    expect(s.unbroken).toBe(2);
    expect(s.bins.map((b) => b.count)).toEqual([0, 4, 0, 3]);
    expect(s.cdf).toEqual([
      { epsilon: 0, fraction: 0.1 },
      { epsilon: 0.1, fraction: 0.5 },
      { epsilon: 0.2, fraction: 0.8 },
    ]);
    expect(s.median).toBeCloseTo(0.15, 12);
    expect(robustMargin(s, 0.1)).toBeCloseTo(0.05, 12);
    expect(median([3, 1, Infinity])).toBe(3);
    expect(median([Infinity, Infinity, 1])).toBe(Infinity);
  });

  it('exports curves as CSV (one row per point) and JSON with per-example masks', () => {
    const meta = { dataset: 'mnist', n: 10, seed: 0, norm: 'linf' as const, attacks: { pgd: { steps: 20 }, fgsm: { steps: 1 } }, settings: { backend: 'wasm' } };
    const lines = curvesToCsv(points, meta).trim().split('\n');
    expect(lines).toHaveLength(1 + points.length);
    expect(lines[1]).toMatch(/^rob,fgsm,0,0,0.8,8,10,0.1,/);
    expect(lines.find((l) => l.startsWith('std,pgd,0.2,51,')))!.toContain('steps=20');
    const json = JSON.parse(curvesToJson(points, meta));
    expect(json.points).toHaveLength(points.length);
    expect(json.points[2].broken).toBe('1110000001');
  });
});
