/**
 * The colour theme a person chose (light, dark, or the system's), kept in localStorage and applied as data-theme
 * on <html>; theme.css holds the variables of both. Call applyStoredTheme() at start-up so the page paints in the
 * chosen theme before any panel loads.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_KEY = 'adversarial-playground-theme';

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Private mode may refuse storage: the choice then lasts for this visit.
  }
}

export function applyStoredTheme(): void {
  const choice = storedTheme();
  if (choice !== 'system') document.documentElement.dataset.theme = choice;
}
