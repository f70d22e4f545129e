/**
 * The engine's API: a thin façade over src/lib that validates arguments, calls the library and hands back plain
 * numbers and typed arrays (transferred, not copied). The worker exposes it with Comlink; the UI imports only
 * its type. It runs in Node too, over a MessageChannel, for tests.
 */
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import {
  selectBackend,
  tfjsEnvironment,
  parseBackendParam,
  type BackendInfo,
  type BackendPreference,
} from '../lib/backend/select';
import { elementWisePath, type ElementWisePath } from '../lib/backend/heap-kernels';
import { BACKEND_ROLES, type BackendRole, type ThreadChoice } from '../lib/backend/choice';
import { compareGradients, engineCheck, type EngineCheckResult, type EngineCheckVerdict } from '../lib/engine-check';
import { cancelJob } from './jobs';
import { checkNumber } from './checks';
import { setBaseUrl } from './context';
import { attackLabApi } from './attack-lab-api';
import { finetuneApi, syncSavedModels } from './finetune-api';
import { tradeoffApi } from './tradeoff-api';
import { boundariesApi } from './boundaries-api';
import { defensesApi } from './defenses-api';
import { userModelsApi, syncUserModels } from './user-models-api';
import { userImagesApi } from './user-images-api';
import { stickerApi } from './sticker-api';

/**
 * How this platform makes backends available (registers packages, sets wasm paths and the wasm thread count
 * before init). Set by the worker entry. It may hand back how to read the wasm threads once a backend runs.
 */
export type BackendLoader = (preference: BackendPreference, search: string, role: BackendRole) => Promise<LoadedBackends | void>;

export interface LoadedBackends {
  /**
   * Called once after init with the backend that won: wasm's threads actually running, why, any ?threads= message,
   * and the count each lane's role gets.
   */
  wasmThreads?(backend: string): Promise<{ count: number; note: string; warning: string | null; byRole?: Record<BackendRole, ThreadChoice> }>;
}

let loadBackends: BackendLoader = async () => {
  await import('@tensorflow/tfjs-backend-wasm');
};
let active: BackendInfo | null = null;

export function setBackendLoader(loader: BackendLoader): void {
  loadBackends = loader;
}

function requireBackend(): BackendInfo {
  if (!active) throw new Error('The engine has not been initialised: call init() first.');
  return active;
}

export interface InitResult extends BackendInfo {
  /** A message about the request itself (e.g. an unknown ?backend= value). */
  warning: string | null;
  tfVersion: string;
  /** How the attack loop's element-wise passes run on this backend (heap-kernels.ts elementWisePath). */
  elementWise: ElementWisePath;
}

export interface EngineMemory {
  numTensors: number;
  numBytes: number;
  /** WebGPU: bytes of buffers in use, and of all buffers the pool holds. */
  numBytesInGPU?: number;
  numBytesAllocatedInGPU?: number;
}

/** The core of the engine; each panel adds its own module of methods below. */
const coreApi = {
  /**
   * Initialises a backend from a URL query string such as "?backend=wasm". Safe to call again.
   * baseUrl is the page's URL, against which app files (models/, data/) are found. `role` says what this engine
   * serves (a lane of single-image work or of batch work): under auto, the measured backend for that role.
   */
  async init(search: string, baseUrl?: string, role: BackendRole = 'interactive'): Promise<InitResult> {
    if (baseUrl) setBaseUrl(baseUrl);
    if (!BACKEND_ROLES.includes(role)) throw new Error(`role must be one of ${BACKEND_ROLES.join(', ')}, got ${String(role)}`);
    const request = parseBackendParam(typeof search === 'string' ? search : '');
    const loaded = await loadBackends(request.preference, typeof search === 'string' ? search : '', role);
    active = await selectBackend(request.preference, tfjsEnvironment(), role);
    let warning = request.warning;
    // Read (and let the loader tidy up) whatever backend won; only wasm has threads to show.
    const t = loaded && loaded.wasmThreads ? await loaded.wasmThreads(active.backend) : null;
    if (t && active.backend === 'wasm') {
      active = { ...active, threads: { count: t.count, note: t.note, ...(t.byRole ? { byRole: t.byRole } : {}) } };
      if (t.warning) warning = warning ? `${warning} ${t.warning}` : t.warning;
    }
    // Models fine-tuned in an earlier visit rejoin the model list before any panel asks for it.
    await syncSavedModels();
    await syncUserModels();
    return { ...active, warning, tfVersion: tf.version.tfjs, elementWise: elementWisePath() };
  },

  backendInfo(): BackendInfo | null {
    return active;
  },

  /** The fixed end-to-end computation: logits and the input gradient of a seeded conv net. */
  async engineCheck(label = 3): Promise<EngineCheckResult & { verdict: EngineCheckVerdict }> {
    requireBackend();
    checkNumber(label, 'label', 0, 9, true);
    const result = await engineCheck(label);
    // The reference: the same computation on the CPU backend (plain JavaScript, the tfjs reference kernels). The
    // backend is switched for this one call only and always switched back.
    const backend = tf.getBackend();
    let reference: Float32Array;
    if (backend === 'cpu') {
      reference = result.gradient;
    } else {
      try {
        if (!(await tf.setBackend('cpu'))) throw new Error('the CPU backend could not start');
        reference = (await engineCheck(label)).gradient;
      } finally {
        await tf.setBackend(backend);
      }
    }
    const verdict: EngineCheckVerdict = compareGradients(result.gradient, reference, 'cpu');
    return Comlink.transfer({ ...result, verdict }, [result.logits.buffer, result.gradient.buffer, result.input.buffer] as ArrayBuffer[]);
  },

  /** Cancels a running job by id; true when there was one. */
  cancel(jobId: string): boolean {
    return cancelJob(jobId);
  },

  /**
   * Tensors and bytes held; on WebGPU also the GPU buffer pool (`numBytesAllocatedInGPU` counts free pooled
   * buffers too: the pool never shrinks, which is why batches keep fixed shapes there).
   */
  memory(): EngineMemory {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    const gpu = m.numBytesAllocatedInGPU !== undefined ? { numBytesInGPU: m.numBytesInGPU ?? 0, numBytesAllocatedInGPU: m.numBytesAllocatedInGPU } : {};
    return { numTensors: m.numTensors, numBytes: m.numBytes, ...gpu };
  },
};

/** Panels' modules are spread in here (one line each): src/worker/<panel>-api.ts. */
export const api = {
  ...coreApi,
  ...finetuneApi,
  ...attackLabApi,
  ...tradeoffApi,
  ...boundariesApi,
  ...defensesApi,
  ...userModelsApi,
  ...userImagesApi,
  ...stickerApi,
};

export type EngineApi = typeof api;
