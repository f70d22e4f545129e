/**
 * Downloads from the browser, shared by every panel: text files (CSV, JSON) as Blob downloads, and charts as SVG (serialised as drawn —
 * the charts carry their styling as attributes, so the file looks the same outside the app) or PNG (the SVG
 * rendered onto a canvas at twice its size, on a white background).
 */
import { PAPER } from './colors';

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, filename: string, type: 'text/csv' | 'application/json'): void {
  downloadBlob(new Blob([text], { type: `${type};charset=utf-8` }), filename);
}

/** The SVG as a standalone document (namespace, explicit size, white background). */
export function svgSource(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.round(width)));
  clone.setAttribute('height', String(Math.round(height)));
  clone.querySelectorAll('[data-export="skip"]').forEach((el) => el.remove());
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', PAPER);
  clone.insertBefore(bg, clone.firstChild);
  return resolveThemeColors(new XMLSerializer().serializeToString(clone));
}

/**
 * Charts colour their neutrals `var(--ink, <palette colour>)` so they follow the theme in the app; a file opened elsewhere
 * has no theme (and many SVG tools no var()), so each such value becomes its fallback, the palette's colour.
 */
export function resolveThemeColors(svgText: string): string {
  return svgText.replace(/var\(--[\w-]+,\s*([^()]+?)\)/g, '$1');
}

export function downloadSvg(svg: SVGSVGElement, filename: string): void {
  downloadBlob(new Blob([svgSource(svg)], { type: 'image/svg+xml;charset=utf-8' }), filename);
}

export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const source = svgSource(svg);
  const { width, height } = svg.getBoundingClientRect();
  const url = URL.createObjectURL(new Blob([source], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be rendered as an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2-D canvas available');
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function downloadPng(svg: SVGSVGElement, filename: string): Promise<void> {
  downloadBlob(await svgToPng(svg), filename);
}
