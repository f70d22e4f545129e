/**
 * Presenter and embed modes: how the page itself looks, not what a panel does.
 * - Presenter (`present=1` in the address, or the header toggle): large type and high contrast for a projector,
 *   advanced controls (marked `data-advanced`) hidden, keyboard shortcuts announced.
 * - Embed (`embed=1`): no header or lesson bar, for a slide or a blog post; `hide=a,b` also hides the parts marked
 *   `data-part="a"` / `"b"` (as TensorFlow Playground hides controls through its URL).
 * Both live in the address, so a link or a lesson step sets them. Tfjs-free.
 */
export interface ChromeState {
  presenter: boolean;
  embed: boolean;
  hidden: string[];
}

export const chrome = $state<ChromeState>({ presenter: false, embed: false, hidden: [] });

const PART = /^[a-z][a-z0-9-]{0,30}$/;

/** Reads the modes from an address hash; unknown or malformed parts are ignored (they only hide things). */
export function chromeFromHash(hash: string): ChromeState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  return {
    presenter: p.get('present') === '1',
    embed: p.get('embed') === '1',
    hidden: (p.get('hide') ?? '').split(',').filter((s) => PART.test(s)),
  };
}

/** Applies the modes to the document: attributes that theme.css and the components' styles key on. */
export function applyChrome(state: ChromeState, root: HTMLElement = document.documentElement): void {
  chrome.presenter = state.presenter;
  chrome.embed = state.embed;
  chrome.hidden = state.hidden;
  root.toggleAttribute('data-presenter', state.presenter);
  root.toggleAttribute('data-embed', state.embed);
  root.setAttribute('data-hide', state.hidden.join(' '));
}

/** The keyboard shortcuts of presenter mode; panels listen for `playground:shortcut` events with these actions. */
export const SHORTCUTS = [
  { key: 'r', action: 'run', label: 'run the panel’s main action' },
  { key: '+', action: 'eps-up', label: 'ε one step up' },
  { key: '-', action: 'eps-down', label: 'ε one step down' },
  { key: 'PageDown / n', action: 'next', label: 'next lesson step' },
  { key: 'PageUp / p', action: 'back', label: 'previous lesson step' },
] as const;

export type ShortcutAction = 'run' | 'eps-up' | 'eps-down';

/** Calls `handler` for each presenter shortcut until the returned function is called (a panel, while mounted). */
export function onShortcut(handler: (action: ShortcutAction) => void): () => void {
  const listener = (e: Event) => handler((e as CustomEvent<{ action: ShortcutAction }>).detail.action);
  window.addEventListener('playground:shortcut', listener);
  return () => window.removeEventListener('playground:shortcut', listener);
}

export function shortcutFor(e: KeyboardEvent): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const t = e.target as HTMLElement | null;
  if (t && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName))) return null;
  if (e.key === 'r') return 'run';
  if (e.key === '+' || e.key === '=') return 'eps-up';
  if (e.key === '-' || e.key === '_') return 'eps-down';
  return null;
}
