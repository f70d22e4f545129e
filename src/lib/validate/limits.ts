/**
 * Every hard limit on what a person can ask for, with the reason it exists, in one table. Fields, the URL reader,
 * the worker and the file loaders read their bounds from here, so they agree; messages quote the reason.
 * No tfjs: the UI imports this too.
 */
export interface Limit {
  /** The largest value accepted (inclusive). */
  max: number;
  /** The smallest value accepted (inclusive); 1 when absent. */
  min?: number;
  /** Why the limit is where it is, in words a workshop participant understands. */
  reason: string;
}

export const LIMITS = {
  uploadBytes: { max: 20 * 1024 * 1024, reason: 'a picture larger than 20 MB is not needed for a 28×28 model and would stall the page' },
  imageSide: { max: 8192, reason: 'browsers cannot decode larger pictures reliably; the models see 28×28 anyway' },
  imagePixels: { max: 40_000_000, reason: 'decoding more pixels needs more memory than an old laptop has' },
  steps: { max: 1000, reason: 'more iterations change results little and keep the page busy for minutes' },
  restarts: { max: 20, reason: 'each restart repeats the whole attack; 20 already takes long on a laptop' },
  batch: { max: 1000, reason: 'larger batches run out of memory on small GPUs and old laptops' },
  examples: { max: 2000, reason: 'the app ships the first 2 000 test images of each data set' },
  gridSize: { max: 256, min: 8, reason: 'a 256 × 256 grid is already 65 536 model evaluations per picture' },
  queryBudget: { max: 20_000, reason: 'score-based attacks spend one model evaluation per query' },
  draws: { max: 1000, reason: 'each random draw is one model evaluation per example' },
  epsilonCount: { max: 64, reason: 'one run computes at most 64 budgets' },
  modelBytes: { max: 256 * 1024 * 1024, reason: 'a model larger than 256 MB does not fit in a browser tab next to the app' },
  modelInputValues: { max: 1_000_000, reason: 'a larger input is no picture the app can show, and building the model would take gigabytes' },
  layerWidth: { max: 65_536, reason: 'a layer that wide would take gigabytes of memory before any weight is read' },
  modelLayers: { max: 512, reason: 'the app runs small models; hundreds of layers point to a file that is not one' },
  fineTuneSteps: { max: 10_000, reason: 'longer runs belong on the command line (npm run train)' },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;
