/**
 * The panels of the playground, in tab order. Each is loaded on first use (its own chunk), so the first paint
 * does not wait for panels nobody opened.
 */
import type { Component } from 'svelte';
import type { Engine } from '../engine';

export interface PanelProps {
  engine: Engine;
}

export interface PanelEntry {
  id: string;
  title: string;
  load: () => Promise<{ default: Component<PanelProps> }>;
}

export const PANELS: PanelEntry[] = [
  { id: 'attack-lab', title: 'Attack Lab', load: () => import('./attack-lab/AttackLab.svelte') },
  { id: 'boundaries', title: 'Boundaries', load: () => import('./boundaries/Boundaries.svelte') },
  { id: 'tradeoff', title: 'ε trade-off', load: () => import('./tradeoff/Tradeoff.svelte') },
  { id: 'defenses', title: 'Defenses', load: () => import('./defenses/Defenses.svelte') },
  { id: 'finetune', title: 'Fine-tuning', load: () => import('./finetune/FinetunePanel.svelte') },
  { id: 'lessons', title: 'Lessons', load: () => import('../lessons/LessonsPanel.svelte') },
  { id: 'yours', title: 'Your models', load: () => import('./yours/YourModels.svelte') },
  { id: 'engine', title: 'Engine', load: () => import('./EngineCheck.svelte') },
];
