/**
 * Counts and byte sizes written the same way in every message (field checks, the address reader, file loaders).
 * Kept apart from the limits table (validate/limits.ts) so the app shell, which words the address's messages,
 * does not carry the table and its reasons: only the panels that check fields load those.
 */

/** "1 000"-style grouping, the same in every message (thin spaces would vanish in some fonts). */
export function formatCount(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) < 1000 || Math.abs(n) >= 1e21) return String(n);
  return (n < 0 ? '-' : '') + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** A byte count as people read it: 20 MB, 1.5 GB, 300 KB. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : +v.toFixed(1)} ${units[u]}`;
}
