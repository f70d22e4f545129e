/**
 * The Attack Lab's URL state: a link reproduces the lab (write → read is the identity), and tampered values are
 * reported by name and replaced by defaults.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { readLabState, writeLabState, type LabState } from '../../src/ui/panels/attack-lab/lab-state';
import type { AttackSummary } from '../../src/worker/attack-lab-api';

const fakeLocation = { hash: '', pathname: '/', search: '' };
Object.assign(globalThis, {
  location: fakeLocation,
  history: {
    replaceState: (_: unknown, __: string, url: string) => {
      fakeLocation.hash = url.slice(url.indexOf('#'));
    },
  },
});

function attack(id: string, norm: 'linf' | 'l2' | 'l0'): AttackSummary {
  return { id, name: id, norm, norms: [norm], kind: 'gradient', targeted: true, needs: 'gradients', defaults: {}, description: '', reference: '' };
}
const ATTACKS = [attack('fgsm', 'linf'), attack('pgd', 'linf'), attack('pgd-l2', 'l2'), attack('jsma', 'l0')];
const MODELS = ['mnist-cnn', 'mnist-cnn-robust'];

describe('attack-lab URL state', () => {
  beforeEach(() => {
    fakeLocation.hash = '';
  });

  it('round-trips every field through the hash and keeps other keys', () => {
    fakeLocation.hash = '#panel=attack-lab';
    const state: LabState = {
      model: 'mnist-cnn-robust', attack: 'pgd', epsilon: 0.3, steps: 100, stepSize: 0.01, randomStart: false, restarts: 5,
      target: 3, source: 'gallery', image: 42, classFilter: 7, shuffle: 1234, defense: 'jpeg', defenseGradient: 'bpda',
    };
    writeLabState(state);
    expect(fakeLocation.hash).toContain('panel=attack-lab');
    const back = readLabState(MODELS, ATTACKS, 'mnist-cnn');
    expect(back.problems).toEqual([]);
    expect(back.state).toEqual(state);
  });

  it('uses defaults for absent keys, with ε in the chosen attack norm', () => {
    expect(readLabState(MODELS, ATTACKS, 'mnist-cnn').state).toMatchObject({ model: 'mnist-cnn', attack: 'pgd', epsilon: 0.1, steps: null, source: 'gallery', image: 0 });
    fakeLocation.hash = '#attack=pgd-l2';
    expect(readLabState(MODELS, ATTACKS, 'mnist-cnn').state.epsilon).toBe(1.5);
    fakeLocation.hash = '#attack=jsma';
    expect(readLabState(MODELS, ATTACKS, 'mnist-cnn').state.epsilon).toBe(20);
  });

  it('reports tampered values by key and falls back', () => {
    fakeLocation.hash = '#model=evil&attack=nope&eps=NaN&steps=2.5&img=-3&src=webcam&target=100&rs=maybe';
    const { state, problems } = readLabState(MODELS, ATTACKS, 'mnist-cnn');
    expect(state).toMatchObject({ model: 'mnist-cnn', attack: 'pgd', epsilon: 0.1, steps: null, image: 0, source: 'gallery', target: null, randomStart: true });
    for (const key of ['model=evil', 'attack=nope', 'eps=NaN', 'steps=2.5', 'img=-3', 'src=webcam', 'target=100', 'rs=maybe']) {
      expect(problems.some((p) => p.includes(key)), key).toBe(true);
    }
  });
});
