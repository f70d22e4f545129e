/**
 * A model card (models/<id>/card.json), written only by `npm run cards`: the index entry plus everything needed to
 * reproduce and judge the model — architecture, data, seed, every training hyperparameter, the training record and
 * each evaluation with the command that reproduces it.
 */
import type { RobustAccuracyPoint } from '../eval/robust-accuracy';
import type { Architecture } from './architectures';
import type { ModelEntry } from './registry';
import type { RecipeData, RecipeTraining, RecipeValidation } from './zoo';

export interface CardEvaluation {
  /** The `npm run eval … --json` command whose output this is. */
  command: string;
  model: string;
  attack: string;
  params: Record<string, number | string | boolean | string[]>;
  /** Test examples evaluated (the first n of the test set). */
  n: number;
  clean_accuracy: number;
  /** Robust accuracy per ε; with its 95 % interval (ci95) when n < 10 000. */
  points: RobustAccuracyPoint[];
  /** Worst-case suites (autoattack, ensemble): the robust accuracy after each component, in order. */
  stages?: { attack: string; points: RobustAccuracyPoint[] }[];
  seconds: number;
}

export interface ModelCard extends ModelEntry {
  architecture: Architecture & { summary: string };
  parameters: number;
  weightBytes: number;
  data: RecipeData;
  seed: number;
  training: RecipeTraining;
  validation: RecipeValidation | null;
  trainingRecord: {
    /** True when the run was cut short (--steps, or an interrupted run's best checkpoint). */
    partial: boolean;
    steps: number | null;
    totalSteps: number | null;
    seconds: number;
    bestStep: number | null;
    bestValidation: number | null;
    stoppedEarly: boolean | null;
    validations: { step: number; value: number }[];
    finalLoss: number | null;
    meanLossLast100: number | null;
    tfjs: string | null;
    backend: string | null;
    command: string;
  };
  evaluations: CardEvaluation[];
  /**
   * Robust toy models: the same attack at this model's ε on the standard twin's card and on this one, and the
   * margin between them in points (the boundary lesson needs a visible one).
   */
  comparison?: { standardModel: string; attack: string; epsilon: number; standard: number; robust: number; marginPoints: number };
  /**
   * An independent check of a PGD figure: the model rebuilt in PyTorch running its own PGD with the same ε, steps,
   * step size and restarts on the same images (scripts/bench/torch_pgd_check.py's output, models/<id>/torch-check.json).
   */
  independentCheck?: Record<string, unknown>;
  notes: string[];
}
