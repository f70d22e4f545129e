/** Every panel's tab id, in tab order (src/ui/panels/index.ts; kept here so specs need not import Svelte modules). */
export const PANEL_IDS = ['attack-lab', 'boundaries', 'tradeoff', 'finetune', 'defenses', 'lessons', 'engine', 'yours'] as const;
