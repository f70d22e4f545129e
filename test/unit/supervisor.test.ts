import { describe, it, expect, afterEach } from 'vitest';
import * as Comlink from 'comlink';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  ENGINE_RESTARTED,
  SupervisedLane,
  isBackendFailure,
  nextBackend,
  searchWithBackend,
  type RestartReason,
} from '../../src/ui/supervisor';
import { shouldAskBeforeLeaving } from '../../src/ui/leave-guard';

/**
 * The supervisor against fake engines over real Comlink channels: a "worker" is a MessageChannel whose far end
 * exposes a small fake API; terminate() closes that end, so a call in flight never answers — as with a dead worker.
 */
interface Behaviour {
  backend: string;
  /** memory() never answers (a hung worker). */
  hang?: boolean;
  /** runAttack rejects with this message. */
  fail?: string;
}

class FakeWorker extends EventTarget {
  terminated = false;
  constructor(
    private readonly near: MessagePort,
    private readonly far: MessagePort,
  ) {
    super();
  }
  postMessage(message: unknown, transfer?: Transferable[]): void {
    if (!this.terminated) this.near.postMessage(message, transfer as never);
  }
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.near.addEventListener('message', listener as never);
    else super.addEventListener(type, listener);
  }
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.near.removeEventListener('message', listener as never);
    else super.removeEventListener(type, listener);
  }
  start(): void {
    this.near.start();
  }
  terminate(): void {
    this.terminated = true;
    this.far.close();
    this.near.close();
  }
}

function harness(behaviours: Behaviour[], timing: { pingEveryMs?: number; hangMs?: number } = { pingEveryMs: 0 }) {
  const inits: unknown[][] = [];
  const workers: FakeWorker[] = [];
  const restarts: { reason: RestartReason; backend: string | null }[] = [];
  const spawn = () => {
    const b = behaviours[Math.min(workers.length, behaviours.length - 1)];
    const channel = new MessageChannel();
    const fake = {
      async init(...args: unknown[]) {
        inits.push(args);
        return { backend: b.backend };
      },
      memory() {
        return b.hang ? new Promise(() => undefined) : { numTensors: 0, numBytes: 0 };
      },
      async runAttack(x: number) {
        if (b.fail) throw new Error(b.fail);
        if (x < 0) return new Promise(() => undefined); // a long job
        return x * 2;
      },
    };
    Comlink.expose(fake, channel.port1 as unknown as Comlink.Endpoint);
    const worker = new FakeWorker(channel.port2, channel.port1);
    workers.push(worker);
    return worker as unknown as Worker;
  };
  const lane = new SupervisedLane({
    name: 'interactive',
    spawn,
    initArgs: () => ['?backend=webgpu&x=1', 'http://app/', 'interactive'],
    onRestart: (_lane, reason, _detail, backend) => restarts.push({ reason, backend }),
    ...timing,
  });
  lanes.push(lane);
  return { lane, inits, workers, restarts };
}

const lanes: SupervisedLane[] = [];
afterEach(() => {
  for (const l of lanes.splice(0)) l.dispose();
});

const tick = () => new Promise((r) => setTimeout(r, 20));
const call = (lane: SupervisedLane, x: number) => lane.call('runAttack', [x]);

describe('SupervisedLane', { timeout: 10000 }, () => {
  it('passes calls through and initialises the worker once with the lane’s arguments', async () => {
    const { lane, inits, workers } = harness([{ backend: 'wasm' }]);
    expect(await call(lane, 21)).toBe(42);
    expect(await call(lane, 1)).toBe(2);
    expect(workers.length).toBe(1);
    expect(inits).toEqual([['?backend=webgpu&x=1', 'http://app/', 'interactive']]);
  });

  it('a killed worker: the pending call rejects plainly, a fresh worker is initialised alike and the next call works', async () => {
    const { lane, inits, workers, restarts } = harness([{ backend: 'wasm' }]);
    await lane.start();
    const pending = call(lane, -1);
    await tick(); // the call has reached the worker
    lane.kill();
    await expect(pending).rejects.toThrow(ENGINE_RESTARTED);
    expect(workers[0].terminated).toBe(true);
    expect(restarts).toEqual([{ reason: 'killed', backend: null }]);
    expect(await call(lane, 5)).toBe(10);
    expect(workers.length).toBe(2);
    expect(inits[1]).toEqual(inits[0]);
  });

  it('an uncaught error event in the worker restarts it', async () => {
    const { lane, workers, restarts } = harness([{ backend: 'wasm' }]);
    await lane.start();
    const pending = call(lane, -1);
    await tick();
    workers[0].dispatchEvent(new Event('error'));
    await expect(pending).rejects.toThrow(ENGINE_RESTARTED);
    expect(restarts.map((r) => r.reason)).toEqual(['crashed']);
    expect(await call(lane, 3)).toBe(6);
  });

  it('a worker that stops answering pings while idle is restarted; a busy one is left alone', async () => {
    const idle = harness([{ backend: 'wasm', hang: true }, { backend: 'wasm' }], { pingEveryMs: 10, hangMs: 40 });
    await idle.lane.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(idle.restarts.map((r) => r.reason)).toEqual(['hung']);
    expect(await call(idle.lane, 4)).toBe(8);

    const busy = harness([{ backend: 'wasm', hang: true }], { pingEveryMs: 10, hangMs: 40 });
    await busy.lane.start();
    void call(busy.lane, -1).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(busy.restarts).toEqual([]);
  });

  it('a device loss restarts the worker on the next backend down (webgpu → wasm), other parameters kept', async () => {
    const { lane, inits, restarts } = harness([{ backend: 'webgpu', fail: 'GPU device was lost: reason unknown' }, { backend: 'wasm' }]);
    await expect(call(lane, 1)).rejects.toThrow(ENGINE_RESTARTED);
    expect(restarts).toEqual([{ reason: 'backend', backend: 'wasm' }]);
    expect(await call(lane, 2)).toBe(4);
    expect(new URLSearchParams(inits[1][0] as string).get('backend')).toBe('wasm');
    expect(new URLSearchParams(inits[1][0] as string).get('x')).toBe('1');
  });

  it('an ordinary error is passed on without a restart', async () => {
    const { lane, restarts } = harness([{ backend: 'wasm', fail: 'steps must be at most 1000' }]);
    await expect(call(lane, 1)).rejects.toThrow('steps must be at most 1000');
    expect(restarts).toEqual([]);
  });
});

describe('backend fallback and failure detection', () => {
  it('steps down towards the backends that need no GPU', () => {
    expect(nextBackend('webgpu')).toBe('wasm');
    expect(nextBackend('webgl')).toBe('wasm');
    expect(nextBackend('wasm')).toBe('cpu');
    expect(nextBackend('cpu')).toBeNull();
    expect(searchWithBackend('', 'wasm')).toBe('?backend=wasm');
    expect(searchWithBackend('?a=1&backend=webgpu', 'wasm')).toBe('?a=1&backend=wasm');
  });
  it('recognises device loss and out-of-memory, not ordinary errors', () => {
    expect(isBackendFailure('Device was lost')).toBe(true);
    expect(isBackendFailure('WebGPU: device lost (destroyed)')).toBe(true);
    expect(isBackendFailure('Out of memory')).toBe(true);
    expect(isBackendFailure('Failed to allocate buffer')).toBe(true);
    expect(isBackendFailure('eps must be a number in [0, 1]')).toBe(false);
    expect(isBackendFailure('room for improvement')).toBe(false);
  });
});

describe('asking before leaving', () => {
  it('asks only while a job or a background call runs', () => {
    expect(shouldAskBeforeLeaving(0, 0)).toBe(false);
    expect(shouldAskBeforeLeaving(1, 0)).toBe(true);
    expect(shouldAskBeforeLeaving(0, 2)).toBe(true);
  });
});
