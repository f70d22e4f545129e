/**
 * A minimal PNG encoder for Node scripts (8-bit RGB, no interlace): enough to write contact sheets and figures
 * without a dependency. zlib and crc32 come from Node.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes width × height RGB bytes (row-major, interleaved) as a PNG file. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (rgb.length !== width * height * 3) throw new Error(`encodePng: ${rgb.length} bytes for ${width}×${height}×3`);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  const signature = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A grid of equally sized RGB tiles, each upscaled `zoom`× (nearest neighbour), with a `pad`-pixel grey gutter. */
export function tileGrid(tiles: Uint8Array[][], tileSize: number, zoom: number, pad = 2): { rgb: Uint8Array; width: number; height: number } {
  const rows = tiles.length;
  const cols = Math.max(...tiles.map((r) => r.length));
  const cell = tileSize * zoom + pad;
  const width = cols * cell + pad;
  const height = rows * cell + pad;
  const rgb = new Uint8Array(width * height * 3).fill(60);
  tiles.forEach((row, r) =>
    row.forEach((tile, c) => {
      for (let y = 0; y < tileSize * zoom; y++) {
        for (let x = 0; x < tileSize * zoom; x++) {
          const src = (Math.floor(y / zoom) * tileSize + Math.floor(x / zoom)) * 3;
          const dst = ((pad + r * cell + y) * width + pad + c * cell + x) * 3;
          rgb[dst] = tile[src];
          rgb[dst + 1] = tile[src + 1];
          rgb[dst + 2] = tile[src + 2];
        }
      }
    }),
  );
  return { rgb, width, height };
}
