/**
 * Every method of the engine's API (enumerated from the object the worker exposes, so a new method is covered the
 * day it is added) called with bad arguments — NaN, negative, huge, infinite, wrong types, empty objects, objects
 * whose every field is bad — ends in a clear error or a valid value: never a crash of the kind "Cannot read
 * properties of undefined", never a message that reads like code, never a hang (each call is bounded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { api } from '../../src/worker/api';
import { cancelJob } from '../../src/worker/jobs';

const BAD_VALUES: unknown[] = [Number.NaN, -1, 1e12, Number.POSITIVE_INFINITY, 'x', '', null, undefined, true, [], {}, { n: Number.NaN }];

/** An object whose every field a request might have is one bad value. */
const FIELDS = ['modelId', 'modelIds', 'attackId', 'options', 'image', 'label', 'epsilon', 'epsilons', 'steps', 'n', 'seed', 'dataset', 'resolution', 'sigma', 'draws', 'settings', 'attacks', 'defense', 'method', 'learningRate', 'batchSize', 'maxEpsilon', 'point', 'classes', 'width', 'layers', 'noise'];
const badRequest = (v: unknown) => Object.fromEntries(FIELDS.map((f) => [f, v]));

/** Messages that betray a crash or read like code rather than words for a person. */
const CRASH = /Cannot read|is not a function|is not iterable|of undefined|of null|undefined is not|Maximum call stack|\[object /;

/** Methods that need no arguments (their result is a valid state whatever they are given). */
const CALL_TIMEOUT_MS = 20_000;

async function settle(p: () => unknown): Promise<{ ok: true } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('HANG')), CALL_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.resolve().then(p), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

describe('every worker method with bad arguments', () => {
  beforeAll(async () => {
    await api.init('?backend=wasm');
  });
  afterAll(() => {
    // Any job a bad call managed to start is stopped (none should have).
    for (const id of ['x', '', 'NaN', '-1']) cancelJob(id);
  });

  const methods = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function' && k !== 'init');

  it('enumerates the whole API', () => {
    expect(methods.length).toBeGreaterThan(40);
  });

  it('ends in a plain error or a valid value for every method and every bad argument', async () => {
    const failures: string[] = [];
    let cases = 0;
    const before = tf.memory().numTensors;
    for (const name of methods) {
      const fn = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      const argLists: unknown[][] = [];
      for (const v of BAD_VALUES) {
        argLists.push([v], ['job-fuzz', v], ['job-fuzz', badRequest(v)], [v, v, v]);
      }
      for (const args of argLists) {
        cases++;
        const r = await settle(() => fn(...args));
        if (r.ok) continue;
        const e = r.error;
        const msg = e instanceof Error ? e.message : String(e);
        const what = `${name}(${args.map((a) => (typeof a === 'object' && a !== null ? (Array.isArray(a) ? '[]' : '{…}') : String(a))).join(', ')})`;
        if (!(e instanceof Error)) failures.push(`${what}: threw a non-Error ${msg}`);
        else if (msg === 'HANG') failures.push(`${what}: no answer within ${CALL_TIMEOUT_MS / 1000} s`);
        else if (e.name === 'TypeError' || e.name === 'RangeError' || CRASH.test(msg)) failures.push(`${what}: ${e.name}: ${msg}`);
        else if (msg.trim() === '') failures.push(`${what}: an empty message`);
      }
    }
    console.log(`${cases} calls over ${methods.length} methods`);
    expect(failures).toEqual([]);
    // Refused calls leave nothing behind (a few kernels may have cached a tensor on first use).
    expect(tf.memory().numTensors - before).toBeLessThan(50);
  }, 900_000);
});
