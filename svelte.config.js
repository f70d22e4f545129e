import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// Every component in runes mode, also those that need no rune of their own: a component left in legacy mode
// pulls Svelte's legacy runtime (lifecycle shims, custom-element support) onto the page.
export default { preprocess: vitePreprocess(), compilerOptions: { runes: true } };
