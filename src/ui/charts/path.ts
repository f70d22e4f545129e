/**
 * SVG path data for the chart family's lines and marker shapes. d3-shape did this before; the page used two of its
 * curves and seven of its symbols, which cost ~17 KiB of d3-shape and d3-path in every chart panel. The paths here
 * are the same strings (coordinates rounded to three decimals, as d3-shape writes them), so lines and markers look
 * exactly as before; test/unit/chart-path.test.ts compares them with d3-shape's output.
 */

/** A coordinate as d3-shape writes it: rounded to 1/1000 of a pixel. */
const num = (v: number) => String(Math.round(v * 1000) / 1000);
const at = (x: number, y: number) => `${num(x)},${num(y)}`;

/**
 * A polyline through pixel points; undefined points (null) break it into runs, each starting with a move. A run of one
 * point is closed on itself (`M x,yZ`), as d3's line does. With `step`, each value holds until the next x (a
 * staircase: horizontal then vertical).
 */
export function polyline(points: readonly ([number, number] | null)[], step = false): string {
  let d = '';
  let run = 0;
  let prevY = 0;
  const end = () => {
    if (run === 1) d += 'Z';
    run = 0;
  };
  for (const p of points) {
    if (!p) {
      end();
      continue;
    }
    const [x, y] = p;
    if (run === 0) d += `M${at(x, y)}`;
    else d += step ? `L${at(x, prevY)}L${at(x, y)}` : `L${at(x, y)}`;
    prevY = y;
    run++;
  }
  end();
  return d;
}

/** A closed polygon through pixel points. */
const polygon = (pts: readonly (readonly [number, number])[]) => pts.map(([x, y], i) => (i ? 'L' : 'M') + at(x, y)).join('') + 'Z';

/** Rotate a point by the angle whose cosine and sine are c and s. */
const turn = ([x, y]: readonly [number, number], c: number, s: number): [number, number] => [c * x - s * y, s * x + c * y];

/**
 * Marker shapes centred on 0,0 with an area of about `size` px², in the order charts use them: circle, square,
 * triangle, diamond, cross, star, wye (the proportions of d3's symbol types of these names).
 */
const SHAPES: ((size: number) => string)[] = [
  (size) => {
    const r = Math.sqrt(size / Math.PI);
    const arc = `A${num(r)},${num(r)},0,1,1,`;
    return `M${at(r, 0)}${arc}${at(-r, 0)}${arc}${at(r, 0)}`;
  },
  (size) => {
    const w = Math.sqrt(size);
    return `M${at(-w / 2, -w / 2)}h${num(w)}v${num(w)}h${num(-w)}Z`;
  },
  (size) => {
    // Equilateral, apex up, centred on its centroid.
    const y = -Math.sqrt(size / (Math.sqrt(3) * 3));
    return polygon([[0, y * 2], [-Math.sqrt(3) * y, -y], [Math.sqrt(3) * y, -y]]);
  },
  (size) => {
    // A rhombus twice as tall as wide at 30°.
    const tan30 = Math.sqrt(1 / 3);
    const y = Math.sqrt(size / (tan30 * 2));
    const x = y * tan30;
    return polygon([[0, -y], [x, 0], [0, y], [-x, 0]]);
  },
  (size) => {
    // A plus of five equal squares of side 2r.
    const r = Math.sqrt(size / 5) / 2;
    return polygon([
      [-3 * r, -r], [-r, -r], [-r, -3 * r], [r, -3 * r], [r, -r], [3 * r, -r],
      [3 * r, r], [r, r], [r, 3 * r], [-r, 3 * r], [-r, r], [-3 * r, r],
    ]);
  },
  (size) => {
    // Five outer points on radius r, inner corners where the pentagram's edges cross.
    const r = Math.sqrt(size * 0.8908130915292852);
    const inner = (Math.sin(Math.PI / 10) / Math.sin((7 * Math.PI) / 10)) * r;
    const corner: [number, number] = [Math.sin((2 * Math.PI) / 10) * inner, -Math.cos((2 * Math.PI) / 10) * inner];
    const pts: [number, number][] = [[0, -r], corner];
    for (let i = 1; i < 5; i++) {
      const c = Math.cos((2 * Math.PI * i) / 5);
      const s = Math.sin((2 * Math.PI * i) / 5);
      pts.push([s * r, -c * r], turn(corner, c, s));
    }
    return polygon(pts);
  },
  (size) => {
    // Three arms at 120°: one arm's three corners, then the same turned by +120° and −120°.
    const k = 1 / Math.sqrt(12);
    const r = Math.sqrt(size / ((k / 2 + 1) * 3));
    const arm: [number, number][] = [[r / 2, r * k], [r / 2, r * k + r], [-r / 2, r * k + r]];
    const c = -0.5;
    const s = Math.sqrt(3) / 2;
    return polygon([...arm, ...arm.map((p) => turn(p, c, s)), ...arm.map((p) => turn(p, c, -s))]);
  },
];

/** SVG path of marker shape `index` (cycling through the shapes), centred on 0,0, of about `size` px². */
export function markerPath(index: number, size: number): string {
  return SHAPES[index % SHAPES.length](size);
}
