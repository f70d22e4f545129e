/**
 * The UI's handle on the engine: two workers running the same engine module, one lane each.
 *
 * - interactive: what a person waits for after a click (attacks, predictions, grids, slices, the toy playground,
 *   the engine check, model lists);
 * - background: long jobs (ε-curves, radii, reports, fine-tuning and its evaluations).
 *
 * A long job in one worker cannot delay the other: tfjs work in a worker runs to the next await without yielding to
 * other messages, so one worker would answer an attack only after a curve point finished. Panels see one `Engine`
 * and call methods by name; the table below says which lane serves each method (it must name every method, so a new
 * method cannot be forgotten). Background calls in flight are listed for the header (see background.svelte.ts).
 *
 * Only the API's type is imported: no tfjs reaches the main thread.
 */
import * as Comlink from 'comlink';
import type { EngineApi, EngineMemory } from '../worker/api';
import { backgroundJobs } from './background.svelte';
import { SupervisedLane, type RestartReason } from './supervisor';
import { engineNotice } from './engine-notice.svelte';
import { installLeaveGuard } from './leave-guard';

export type Engine = Comlink.Remote<EngineApi>;
export type Lane = 'interactive' | 'background';
type Method = keyof EngineApi;

/** Which worker serves each method. Methods that touch the fine-tuning store or its pause gates stay together. */
export const LANES: Record<Method, Lane> = {
  init: 'interactive',
  backendInfo: 'interactive',
  engineCheck: 'interactive',
  cancel: 'interactive', // sent to both lanes, below
  memory: 'interactive', // summed over both lanes, below
  listModels: 'interactive',
  loadModel: 'interactive',
  listAttacks: 'interactive',
  getTestImages: 'interactive',
  predict: 'interactive',
  runAttack: 'interactive',
  transferPredictions: 'interactive',
  toyCreate: 'interactive',
  toyLoadShipped: 'interactive',
  toyReset: 'interactive',
  toyTrain: 'interactive',
  toySnapshot: 'interactive',
  toyEvaluate: 'interactive',
  toyGrid: 'interactive',
  toyAttackPoint: 'interactive',
  toyCertifyPoint: 'interactive',
  imageSlice: 'interactive',
  tradeoffAttacks: 'interactive',
  tradeoffModels: 'interactive',
  reportDefaults: 'interactive',
  robustnessCurves: 'background',
  adversarialRadii: 'background',
  robustnessReport: 'background',
  finetuneStart: 'background',
  finetunePause: 'background',
  finetuneResume: 'background',
  finetuneSaved: 'background',
  finetuneDamaged: 'background',
  finetuneDelete: 'background',
  finetuneExport: 'background',
  finetuneCurve: 'background',
  finetuneCheckpoint: 'background',
  finetuneContinue: 'background',
  finetuneDiscard: 'background',
  defenseCatalog: 'interactive',
  defenseModels: 'interactive',
  defenseCurves: 'background',
  smoothingCurves: 'background',
  userModelInspect: 'interactive',
  userModelAdd: 'interactive',
  userModelList: 'interactive',
  userModelDamaged: 'interactive',
  userModelRename: 'interactive',
  userModelRemove: 'interactive',
  userModelExport: 'interactive',
  imageSetAdd: 'interactive',
  imageSetList: 'interactive',
  imageSetRemove: 'interactive',
  stickerSetup: 'interactive',
  stickerSalient: 'interactive',
  worldTest: 'interactive',
};

/** What the header says while a background method runs, and the panel it belongs to. */
const BACKGROUND_LABELS: Partial<Record<Method, { label: string; panel: string }>> = {
  robustnessCurves: { label: 'ε-curves', panel: 'tradeoff' },
  adversarialRadii: { label: 'adversarial radii', panel: 'tradeoff' },
  robustnessReport: { label: 'robustness report', panel: 'tradeoff' },
  finetuneStart: { label: 'fine-tuning', panel: 'finetune' },
  finetuneContinue: { label: 'fine-tuning', panel: 'finetune' },
  finetuneCurve: { label: 'fine-tuned ε-curve', panel: 'finetune' },
  defenseCurves: { label: 'naive vs adaptive curves', panel: 'defenses' },
  smoothingCurves: { label: 'certify and attack', panel: 'defenses' },
};

function spawn(): Worker {
  // Vite finds the worker only when `new URL(…, import.meta.url)` stands literally inside `new Worker(…)`.
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
}

let engine: Engine | null = null;

export function getEngine(): Engine {
  engine ??= makeRouter();
  return engine;
}

/** The router plus a hook for end-to-end tests: terminate a lane's worker abruptly, as a crash would. */
export interface TestHooks {
  __killForTest(lane: Lane): boolean;
  /** What a lane's engine reported from init (starting the lane if needed): its backend and wasm threads. */
  __laneInfoForTest(lane: Lane): Promise<unknown>;
}

function makeRouter(): Engine {
  if (typeof window !== 'undefined') installLeaveGuard();
  let initArgs: [string, string | undefined] | null = null;
  const onRestart = (lane: string, reason: RestartReason, detail: string, backend: string | null) => {
    console.warn(`Engine lane ${lane} restarted (${reason}: ${detail})`);
    engineNotice.report(lane, reason, backend);
  };
  const argsFor = (role: 'interactive' | 'batch') => (): Parameters<EngineApi['init']> => {
    if (!initArgs) throw new Error('The engine has not been initialised: call init() first.');
    return [initArgs[0], initArgs[1], role];
  };
  const interactive = new SupervisedLane({ name: 'interactive', spawn, initArgs: argsFor('interactive'), onRestart });
  // Under auto, the backend measured fastest for batch work (curves, reports, training) serves this lane; the
  // worker starts on the lane's first call.
  const background = new SupervisedLane({ name: 'background', spawn, initArgs: argsFor('batch'), onRestart });
  const lanes: Record<Lane, SupervisedLane> = { interactive, background };

  const router: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(LANES) as Method[]) {
    router[name] = async (...args: unknown[]) => {
      if (LANES[name] === 'interactive') return interactive.call(name, args);
      const label = BACKGROUND_LABELS[name];
      const token = label ? backgroundJobs.add(label.label, label.panel) : null;
      try {
        return await background.call(name, args);
      } finally {
        if (token !== null) backgroundJobs.remove(token);
      }
    };
  }
  router.init = async (...args: unknown[]) => {
    const [search, baseUrl] = args as [string, string | undefined];
    initArgs = [search, baseUrl];
    return interactive.start();
  };
  // A job id lives in one lane; the UI need not know which.
  router.cancel = async (...args: unknown[]) => {
    const id = args[0] as string;
    const [a, b] = await Promise.all([interactive.call('cancel', [id]), background.started ? background.call('cancel', [id]) : false]);
    return a || b;
  };
  router.memory = async () => {
    const parts = (await Promise.all([interactive.call('memory', []), ...(background.started ? [background.call('memory', [])] : [])])) as EngineMemory[];
    const sum = (key: keyof EngineMemory) => parts.reduce((s, m) => s + (m[key] ?? 0), 0);
    const gpu = parts.some((m) => m.numBytesAllocatedInGPU !== undefined) ? { numBytesInGPU: sum('numBytesInGPU'), numBytesAllocatedInGPU: sum('numBytesAllocatedInGPU') } : {};
    return { numTensors: sum('numTensors'), numBytes: sum('numBytes'), ...gpu };
  };
  const hooks: TestHooks = {
    __killForTest(lane: Lane): boolean {
      const target = lanes[lane];
      if (!target?.started) return false;
      target.kill();
      return true;
    },
    __laneInfoForTest: (lane: Lane) => lanes[lane].start(),
  };
  Object.assign(router, hooks);
  return router as unknown as Engine;
}
