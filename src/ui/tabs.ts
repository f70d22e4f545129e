/**
 * The arrow-key behaviour of a tab list (WAI-ARIA tabs pattern), written once for the page's tabs, the boundary
 * views and the Attack Lab's input sources: ←/→ move to the previous/next tab (wrapping) and focus it.
 */
export function onArrowKeys<T>(e: KeyboardEvent, items: readonly T[], index: number, select: (next: T) => string): void {
  const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
  if (!delta) return;
  e.preventDefault();
  const next = items[(index + delta + items.length) % items.length];
  const id = select(next);
  document.getElementById(id)?.focus();
}
