/**
 * The fine-tuning methods' display names, for model names and cards (worker) and the panel (main thread). Kept
 * apart from finetune.ts, which imports tfjs.
 */
import type { FinetuneMethod } from './finetune';

export const FINETUNE_METHOD_LABELS: Record<FinetuneMethod, string> = { 'fgsm-rs': 'FGSM-RS', 'n-fgsm': 'N-FGSM', pgd: 'PGD-AT', trades: 'TRADES' };
