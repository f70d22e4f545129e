/**
 * Bring your own images: a folder (labels from sub-folder names) or several files with a small CSV
 * (`file,label`), turned into labelled examples of a model's input shape. Pure TypeScript, no DOM: the page decodes
 * each file to RGBA pixels (the browser's decoder), everything after that happens here, testable in Node.
 */

export interface LabelledFile {
  /** Path as the browser gives it: `webkitRelativePath` for a folder ("signs/stop/001.png"), else the file name. */
  path: string;
  /** Class index, or null when no label was found (the image can still be attacked, not scored). */
  label: number | null;
}

export interface LabelResult {
  files: LabelledFile[];
  /** Plain sentences about what could not be matched. */
  problems: string[];
}

export const IMAGE_LIMITS = { maxFiles: 2000, maxCsvBytes: 1_000_000 } as const;

const IMAGE_FILE = /\.(png|jpe?g|gif|webp|bmp)$/i;

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

/** A class index from a label as people write it: a class name (any case) or its number. */
export function classIndex(label: string, classNames: string[]): number | null {
  const l = label.trim();
  const byName = classNames.findIndex((c) => c.toLowerCase() === l.toLowerCase());
  if (byName >= 0) return byName;
  if (/^\d+$/.test(l) && Number(l) < classNames.length) return Number(l);
  return null;
}

/** `file,label` lines (a header line and quotes are allowed): file name → label text. */
export function parseLabelCsv(text: string): Map<string, string> {
  if (text.length > IMAGE_LIMITS.maxCsvBytes) throw new Error(`The label file is larger than ${IMAGE_LIMITS.maxCsvBytes / 1e6} MB; it should have one short line per image.`);
  const out = new Map<string, string>();
  const lines = text.replace(/\r\n?/g, '\n').split('\n').filter((l) => l.trim());
  lines.forEach((line, i) => {
    const cells = line.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length < 2 || !cells[0]) throw new Error(`Line ${i + 1} of the label file should read “file name, label”; it reads “${line.slice(0, 60)}”.`);
    if (i === 0 && /^(file|filename|image|path)$/i.test(cells[0])) return; // a header
    out.set(baseName(cells[0]), cells[1]);
  });
  return out;
}

/**
 * Labels for the chosen files: from the CSV where one is given, else from each file's folder. Non-image files
 * are skipped; labels that are not the model's classes are reported once each.
 */
export function labelFiles(paths: string[], classNames: string[], csv?: string): LabelResult {
  const problems: string[] = [];
  const images = paths.filter((p) => IMAGE_FILE.test(p));
  if (images.length === 0) throw new Error('None of the chosen files is an image (PNG, JPEG, GIF, WebP or BMP).');
  if (images.length > IMAGE_LIMITS.maxFiles) throw new Error(`${images.length} images were chosen; up to ${IMAGE_LIMITS.maxFiles} can be used at once.`);
  if (paths.length > images.length) problems.push(`${paths.length - images.length} file(s) that are not images were left out.`);
  const table = csv === undefined ? null : parseLabelCsv(csv);
  const unknown = new Set<string>();
  let unlabelled = 0;
  const files = images.map((path) => {
    const parts = path.split('/');
    const raw = table ? table.get(baseName(path)) : parts.length >= 2 ? parts[parts.length - 2] : undefined;
    if (raw === undefined) {
      unlabelled++;
      return { path, label: null };
    }
    const label = classIndex(raw, classNames);
    if (label === null) unknown.add(raw);
    return { path, label };
  });
  if (unknown.size) problems.push(`Not classes of this model (${classNames.slice(0, 12).join(', ')}${classNames.length > 12 ? ', …' : ''}): ${[...unknown].slice(0, 8).join(', ')}. Those images are shown without a label.`);
  if (unlabelled) problems.push(table ? `${unlabelled} image(s) are not in the label file and have no label.` : `${unlabelled} image(s) are not in a sub-folder named after their class and have no label.`);
  return { files, problems };
}

/**
 * RGBA pixels (as a canvas gives them) to the model's input: the centre square of the image scaled to H×W by
 * area averaging (no aliasing when shrinking a photo), as grey (ITU-R BT.601 luma) or RGB bytes.
 */
export function toModelPixels(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, target: [number, number, number]): Uint8Array {
  const [H, W, C] = target;
  if (!(width > 0 && height > 0) || rgba.length !== width * height * 4) throw new Error(`The image data (${rgba.length} bytes) does not match ${width}×${height} pixels.`);
  if (C !== 1 && C !== 3) throw new Error(`Images go to models with 1 or 3 channels, not ${C}.`);
  const side = Math.min(width, height);
  const x0 = (width - side) / 2;
  const y0 = (height - side) / 2;
  const out = new Uint8Array(H * W * C);
  const acc = new Float64Array(3);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      // The source rectangle of this output pixel, in source pixel coordinates.
      const sy0 = y0 + (i * side) / H, sy1 = y0 + ((i + 1) * side) / H;
      const sx0 = x0 + (j * side) / W, sx1 = x0 + ((j + 1) * side) / W;
      acc.fill(0);
      let area = 0;
      for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) {
        const wy = Math.min(y + 1, sy1) - Math.max(y, sy0);
        for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) {
          const w = wy * (Math.min(x + 1, sx1) - Math.max(x, sx0));
          if (w <= 0) continue;
          const o = (y * width + x) * 4;
          // Transparent pixels count as white paper, not black.
          const a = rgba[o + 3] / 255;
          for (let c = 0; c < 3; c++) acc[c] += w * (rgba[o + c] * a + 255 * (1 - a));
          area += w;
        }
      }
      const o = (i * W + j) * C;
      if (C === 1) out[o] = Math.round((0.299 * acc[0] + 0.587 * acc[1] + 0.114 * acc[2]) / area);
      else for (let c = 0; c < 3; c++) out[o + c] = Math.round(acc[c] / area);
    }
  }
  return out;
}
