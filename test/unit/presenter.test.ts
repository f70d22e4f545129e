import { describe, expect, it } from 'vitest';
import { chromeFromHash, shortcutFor } from '../../src/ui/presenter.svelte';

describe('presenter and embed modes from the address', () => {
  it('reads present, embed and the hidden parts; anything malformed only hides less', () => {
    expect(chromeFromHash('#panel=attack-lab&present=1')).toEqual({ presenter: true, embed: false, hidden: [] });
    expect(chromeFromHash('#embed=1&hide=controls,charts')).toEqual({ presenter: false, embed: true, hidden: ['controls', 'charts'] });
    expect(chromeFromHash('#present=yes&embed=2&hide=<script>,,Controls,intro')).toEqual({ presenter: false, embed: false, hidden: ['intro'] });
    expect(chromeFromHash('')).toEqual({ presenter: false, embed: false, hidden: [] });
  });
});

describe('keyboard shortcuts', () => {
  const key = (k: string, extra: Partial<KeyboardEvent> = {}, tagName = 'BODY') =>
    ({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: { tagName, isContentEditable: false }, ...extra }) as unknown as KeyboardEvent;
  it('maps r, +/=, -/_ to run and ε up/down', () => {
    expect(shortcutFor(key('r'))).toBe('run');
    expect(shortcutFor(key('+'))).toBe('eps-up');
    expect(shortcutFor(key('='))).toBe('eps-up');
    expect(shortcutFor(key('-'))).toBe('eps-down');
    expect(shortcutFor(key('x'))).toBeNull();
  });
  it('never fires while typing in a field or with a modifier (Ctrl+R reloads as usual)', () => {
    expect(shortcutFor(key('r', {}, 'INPUT'))).toBeNull();
    expect(shortcutFor(key('-', {}, 'TEXTAREA'))).toBeNull();
    expect(shortcutFor(key('r', { ctrlKey: true }))).toBeNull();
  });
});
