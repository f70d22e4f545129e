/**
 * Supervision of one engine worker (a lane): if the worker dies (an uncaught error event, a test kill), hangs (a
 * cheap `memory()` call unanswered past a deadline while no call is in flight) or reports a backend failure (WebGPU
 * device loss, out of memory), it is terminated and a fresh one is started and initialised with the same arguments
 * — after a backend failure on the next backend down. Models reload on demand in the new worker and stored
 * fine-tuned models re-sync in its init, so nothing is lost but the call in flight: that call (and every other
 * call pending on the dead worker) rejects with one plain message, and `onRestart` tells the UI why.
 *
 * No tfjs here: the backend names are repeated (type-checked against the library's list).
 */
import * as Comlink from 'comlink';
import type { EngineApi } from '../worker/api';
import type { BackendName } from '../lib/backend/select';

export const ENGINE_RESTARTED = 'The compute engine stopped and was restarted; run it again.';

/** After a failure caused by the backend itself, the backend to try next; null when there is nothing below. */
export function nextBackend(current: BackendName): BackendName | null {
  const down: Record<BackendName, BackendName | null> = { webgpu: 'wasm', webgl: 'wasm', wasm: 'cpu', cpu: null };
  return down[current];
}

/** The page's query string with `backend=` set to `backend` (other parameters kept). */
export function searchWithBackend(search: string, backend: BackendName): string {
  const params = new URLSearchParams(search);
  params.set('backend', backend);
  return `?${params.toString()}`;
}

/** True for an error that a worker raises when its GPU device is lost or memory runs out. */
export function isBackendFailure(message: string): boolean {
  return /device (was |is |has been )?lost|devicelost|out of memory|\boom\b|allocation failed|failed to allocate/i.test(message);
}

export type RestartReason = 'crashed' | 'hung' | 'backend' | 'killed';

export interface LaneOptions {
  name: string;
  spawn: () => Worker;
  /** Arguments of the lane's init call (search, baseUrl, role), read on each (re)start. */
  initArgs: () => Parameters<EngineApi['init']>;
  /** Told after each restart; `backend` is the backend forced for the new worker (null: the page's own request). */
  onRestart: (lane: string, reason: RestartReason, detail: string, backend: BackendName | null) => void;
  /** How long a ping may take while the lane is idle before the worker counts as hung. */
  hangMs?: number;
  /** How often an idle lane is pinged. */
  pingEveryMs?: number;
}

type AnyFn = (...a: unknown[]) => Promise<unknown>;

export class SupervisedLane {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<EngineApi> | null = null;
  private ready: Promise<unknown> | null = null;
  /**
   * The calls pending on the current worker: each one's reject, called if the worker dies. A call leaves the set as
   * it settles. (Racing every call against one never-settling "died" promise kept every call's result alive, ~14 KB
   * an attack: test/e2e/memory.spec.ts.)
   */
  private pending: Set<(e: Error) => void> | null = null;
  private inFlight = 0;
  private backendOverride: BackendName | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private pinging = false;
  /** The backend the current worker reported from init. */
  backend: BackendName | null = null;

  constructor(private readonly opts: LaneOptions) {}

  get started(): boolean {
    return this.remote !== null;
  }

  /** Starts the worker (if not running) and waits for its init; resolves with the init result. */
  start(): Promise<unknown> {
    if (this.ready) return this.ready;
    const worker = this.opts.spawn();
    const remote = Comlink.wrap<EngineApi>(worker);
    this.worker = worker;
    this.remote = remote;
    this.pending = new Set();
    worker.addEventListener('error', (e) => {
      if (this.worker === worker) this.restart('crashed', (e as ErrorEvent).message || 'an uncaught error in the worker');
    });
    const [search, baseUrl, role] = this.opts.initArgs();
    const args: Parameters<EngineApi['init']> = [this.backendOverride ? searchWithBackend(search, this.backendOverride) : search, baseUrl, role];
    // init counts as a call in flight: backend selection may hold the worker busy past the ping deadline.
    this.inFlight++;
    const ready = this.race(remote.init(...args))
      .then((info) => {
        this.backend = (info as { backend?: BackendName }).backend ?? null;
        return info;
      })
      .finally(() => this.inFlight--);
    this.ready = ready;
    // A failed start is retried on the next call instead of repeating the old error forever.
    ready.catch(() => {
      if (this.ready === ready) this.stop();
    });
    this.watch();
    return ready;
  }

  /** Calls `method` on the lane's worker (starting it if needed); rejects plainly if the worker dies meanwhile. */
  async call(method: keyof EngineApi, args: unknown[]): Promise<unknown> {
    await this.start();
    const remote = this.remote!;
    this.inFlight++;
    try {
      return await this.race((remote[method] as unknown as AnyFn)(...args));
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      if (message !== ENGINE_RESTARTED && isBackendFailure(message) && this.remote === remote) {
        this.restart('backend', message);
        throw new Error(ENGINE_RESTARTED);
      }
      throw e;
    } finally {
      this.inFlight--;
    }
  }

  /** Terminates the worker abruptly (the test hook); the next restart happens as after a crash. */
  kill(): void {
    if (this.worker) this.restart('killed', 'stopped on request');
  }

  /** Terminates the current worker, rejects its pending calls and starts a fresh one. */
  restart(reason: RestartReason, detail: string): void {
    if (reason === 'backend' && this.backend) this.backendOverride = nextBackend(this.backend) ?? this.backend;
    this.stop();
    this.opts.onRestart(this.opts.name, reason, detail, this.backendOverride);
    this.start().catch(() => undefined); // a failed restart is retried by the next call
  }

  /** Stops the lane for good (tests); a later call starts a fresh worker. */
  dispose(): void {
    this.stop();
  }

  private stop(): void {
    this.worker?.terminate();
    const pending = this.pending;
    this.pending = null;
    for (const reject of pending ?? []) reject(new Error(ENGINE_RESTARTED));
    this.worker = null;
    this.remote = null;
    this.ready = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private race<T>(p: Promise<T>): Promise<T> {
    const pending = this.pending;
    if (!pending) return p;
    return new Promise<T>((resolve, reject) => {
      pending.add(reject);
      p.then(
        (value) => {
          pending.delete(reject);
          resolve(value);
        },
        (err) => {
          pending.delete(reject);
          reject(err);
        },
      );
    });
  }

  /** Pings an idle worker now and then; a long job blocks the worker's message loop, so busy lanes are skipped. */
  private watch(): void {
    const every = this.opts.pingEveryMs ?? 5000;
    const deadline = this.opts.hangMs ?? 10000;
    if (typeof setInterval === 'undefined' || every <= 0) return;
    const worker = this.worker;
    this.timer = setInterval(() => {
      if (this.pinging || this.inFlight > 0 || !this.remote || this.worker !== worker) return;
      this.pinging = true;
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const answered = this.remote.memory().then(() => true, () => true);
      const late = new Promise<boolean>((r) => (timeout = setTimeout(() => r(false), deadline)));
      void Promise.race([answered, late]).then((ok) => {
        clearTimeout(timeout);
        this.pinging = false;
        if (!ok && this.worker === worker && this.inFlight === 0) this.restart('hung', `no answer within ${deadline / 1000} s`);
      });
    }, every);
  }
}
