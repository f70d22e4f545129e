import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { interpolateRdBu, rgb } from 'd3';
import {
  ACCENT, AXIS, CLASS_COLORS, FOCUS, GRID, INK, INK_SOFT, PAPER, ROLE, SERIES_COLORS, divergingColor, divergingRgb, rgbBytes,
} from '../../src/ui/colors';
import { TEXT, INK as CHART_INK, INK_SOFT as CHART_INK_SOFT } from '../../src/ui/charts/style';
import { resolveThemeColors } from '../../src/ui/download';
import { cellColor } from '../../src/ui/charts/class-map';

/**
 * Colour-vision deficiency simulation (Machado, Oliveira & Fernandes 2009, severity 1, applied to linear RGB) and
 * CIELAB distance: an independent check that the palette's colours stay apart for viewers with protanopia,
 * deuteranopia or tritanopia, not only for the designer.
 */
const CVD: Record<string, number[][]> = {
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};
const linear = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);

function lab(rgbLinear: number[]): [number, number, number] {
  const [r, g, b] = rgbLinear;
  const X = 0.4124 * r + 0.3576 * g + 0.1805 * b;
  const Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const Z = 0.0193 * r + 0.1192 * g + 0.9505 * b;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const [fx, fy, fz] = [f(X / 0.95047), f(Y), f(Z / 1.08883)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** The smallest CIELAB distance between two colours of the list, over normal vision and the three deficiencies. */
function minDistance(colors: readonly string[]): { distance: number; vision: string; pair: [string, string] } {
  let worst = { distance: Infinity, vision: '', pair: ['', ''] as [string, string] };
  for (const [vision, m] of Object.entries(CVD)) {
    const labs = colors.map((c) => {
      const v = rgbBytes(c).map(linear);
      return lab(m.map((row) => Math.min(1, Math.max(0, row[0] * v[0] + row[1] * v[1] + row[2] * v[2]))));
    });
    for (let i = 0; i < labs.length; i++)
      for (let j = i + 1; j < labs.length; j++) {
        const d = Math.hypot(labs[i][0] - labs[j][0], labs[i][1] - labs[j][1], labs[i][2] - labs[j][2]);
        if (d < worst.distance) worst = { distance: d, vision, pair: [colors[i], colors[j]] };
      }
  }
  return worst;
}

/** CIELAB ΔE of about 10 is a clear difference at a glance; 15 leaves room for projectors and small marks. */
const DISTINCT = 15;

describe('palette', () => {
  it('keeps all ten class colours apart under protanopia, deuteranopia and tritanopia', () => {
    expect(CLASS_COLORS).toHaveLength(10);
    expect(minDistance(CLASS_COLORS).distance).toBeGreaterThan(DISTINCT);
  });

  it('the check itself rejects a palette known to merge (the former Tableau 10 under deuteranopia)', () => {
    const tableau = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#5a5a5a'];
    const worst = minDistance(tableau);
    expect(worst.distance).toBeLessThan(DISTINCT);
    expect(worst.vision).not.toBe('normal');
  });

  it('keeps the series colours that charts show together apart, and roles distinct from each other', () => {
    expect(minDistance(SERIES_COLORS.slice(0, 6)).distance).toBeGreaterThan(DISTINCT);
    expect(minDistance([ROLE.clean, ROLE.robust, ROLE.attack, ROLE.speed]).distance).toBeGreaterThan(DISTINCT);
  });

  it('maps δ through white at zero, blue for negative and red for positive, symmetrically', () => {
    // RdBu’s centre is a near-white (242, 239, 238).
    expect(divergingRgb(0).every((c) => c > 230)).toBe(true);
    const [nr, , nb] = divergingRgb(-1);
    const [pr, , pb] = divergingRgb(1);
    expect(nb).toBeGreaterThan(nr);
    expect(pr).toBeGreaterThan(pb);
    expect(divergingColor(5)).toBe(divergingColor(1));
    // Mirror image: the blue of −t is the red of +t (RdBu is symmetric up to rounding).
    for (const t of [0.25, 0.5, 1]) {
      const [r1, , b1] = divergingRgb(-t);
      const [r2, , b2] = divergingRgb(t);
      expect(Math.abs(b1 - r2)).toBeLessThan(40);
      expect(Math.abs(r1 - b2)).toBeLessThan(40);
    }
  });

  it("paints δ exactly as d3's RdBu did (the map is written here, so the page does not carry d3-scale-chromatic)", () => {
    // d3 (Node only, in this test) is the independent truth: every value of a fine grid, and the ends beyond ±1.
    const mismatches: string[] = [];
    for (let k = -20_010; k <= 20_010; k++) {
      const t = k / 10_000;
      const d3Colour = interpolateRdBu(0.5 - Math.max(-1, Math.min(1, t)) / 2);
      if (divergingColor(t) !== d3Colour) mismatches.push(`${t}: ${divergingColor(t)} vs ${d3Colour}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(divergingColor(NaN)).toBe('rgb(0, 0, 0)');
  });

  it('reads palette colours into bytes as d3-color does, and refuses other forms', () => {
    for (const c of [...CLASS_COLORS, ...SERIES_COLORS, INK, PAPER, '#abc', 'rgb(1, 2, 3)', divergingColor(0.3)]) {
      const d = rgb(c);
      expect(rgbBytes(c)).toEqual([d.r, d.g, d.b].map(Math.round));
    }
    expect(() => rgbBytes('red')).toThrow(/not a #hex or rgb\(\) colour/);
  });

  it('tints class regions towards the class colour, more where the model is confident', () => {
    const [r0, g0, b0] = rgbBytes(CLASS_COLORS[0]);
    const dist = (c: number[]) => Math.hypot(c[0] - r0, c[1] - g0, c[2] - b0);
    const unsure = cellColor(0, 0.5, 2, false);
    const sure = cellColor(0, 1, 2, false);
    expect(dist(sure)).toBeLessThan(dist(unsure));
    expect(cellColor(0, 0.5, 2, true)).toEqual(sure);
    expect(cellColor(10, 1, 10, false)).toEqual(cellColor(0, 1, 10, false));
  });
});

const UI = path.resolve(__dirname, '../../src/ui');
const LITERAL = /#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(/g;
/** The modules allowed to write colour literals: the palette, and the theme's CSS variables. */
const PALETTE_MODULES = ['colors.ts', 'theme.css'];
/**
 * TODO(issue 12, merge): panels whose colour literals wait for the split of their panel into controller + views
 * (they are rewritten in that branch). Every literal here has a palette value or a theme.css variable already;
 * the lead shrinks this list to zero at the merge.
 */
const TODO_ALLOWED: string[] = [];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|svelte|css)$/.test(name) ? [p] : [];
  });
}

describe('one palette', () => {
  const all = files(UI).map((p) => ({ rel: path.relative(UI, p).split(path.sep).join('/'), text: readFileSync(p, 'utf8') }));

  it('has no colour literal in src/ui outside the palette and theme modules', () => {
    const offenders = all
      .filter((f) => !PALETTE_MODULES.includes(f.rel) && !TODO_ALLOWED.includes(f.rel))
      .flatMap((f) => f.text.split('\n').flatMap((line, i) => (line.match(LITERAL) ? [`${f.rel}:${i + 1}: ${line.trim()}`] : [])));
    expect(offenders).toEqual([]);
  });

  it('keeps the TODO allow-list honest: a file listed there still has literals (else remove it from the list)', () => {
    for (const rel of TODO_ALLOWED) {
      const f = all.find((x) => x.rel === rel);
      expect(f && LITERAL.test(f.text), `${rel} is clean or gone: take it off TODO_ALLOWED`).toBe(true);
      LITERAL.lastIndex = 0;
    }
  });

  it('theme.css carries the same values as the palette for colours that charts and CSS share', () => {
    const css = readFileSync(path.join(UI, 'theme.css'), 'utf8');
    const cssVar = (name: string) => new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(css)?.[1].toLowerCase();
    const shared: Record<string, string> = {
      ink: INK, 'ink-soft': INK_SOFT, grid: GRID, axis: AXIS, accent: ACCENT, focus: FOCUS, panel: PAPER,
      robust: ROLE.robust, warn: ROLE.pause, bad: ROLE.warn,
    };
    for (const [name, value] of Object.entries(shared)) expect(cssVar(name), `--${name}`).toBe(value.toLowerCase());
  });

  it('charts follow the theme in the app, and an exported SVG carries the palette colours instead of variables', () => {
    expect(CHART_INK).toBe(`var(--ink, ${INK})`);
    const svg = `<svg><text fill="${CHART_INK}" style="fill: ${CHART_INK_SOFT}; font-variant-numeric: tabular-nums">a</text></svg>`;
    const out = resolveThemeColors(svg);
    expect(out).toBe(`<svg><text fill="${INK}" style="fill: ${INK_SOFT}; font-variant-numeric: tabular-nums">a</text></svg>`);
    expect(out).not.toMatch(/var\(/);
  });

  it('draws chart text at 12 px or more (legible on a projector)', () => {
    expect(Math.min(...Object.values(TEXT))).toBeGreaterThanOrEqual(12);
    const sizes = all.flatMap((f) => [...f.text.matchAll(/font-size="([\d.]+)"/g)].map((m) => ({ rel: f.rel, size: Number(m[1]) })));
    expect(sizes.filter((s) => s.size < 12)).toEqual([]);
  });
});
