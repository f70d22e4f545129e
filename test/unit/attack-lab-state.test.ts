/**
 * The Attack Lab's URL state: a link reproduces the lab (write → read is the identity), and tampered values are
 * reported by name and replaced by defaults.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { readLabState, writeLabState, type LabState } from '../../src/ui/panels/attack-lab/lab-state';
import type { AttackSummary } from '../../src/worker/attack-lab-api';
import { addressChanged } from '../../src/ui/state/url-schema';

const fakeLocation = { hash: '', pathname: '/', search: '' };
Object.assign(globalThis, {
  location: fakeLocation,
  history: {
    replaceState: (_: unknown, __: string, url: string) => {
      fakeLocation.hash = url.slice(url.indexOf('#'));
    },
  },
});

/** An address change from outside (a link, a lesson step) that the app has taken in, as its hashchange handler does. */
function setAddress(hash: string): void {
  fakeLocation.hash = hash;
  addressChanged();
}

function attack(id: string, norm: 'linf' | 'l2' | 'l0'): AttackSummary {
  return { id, name: id, norm, norms: [norm], kind: 'gradient', targeted: true, needs: 'gradients', defaults: {}, description: '', reference: '' };
}
const ATTACKS = [attack('fgsm', 'linf'), attack('pgd', 'linf'), attack('pgd-l2', 'l2'), attack('jsma', 'l0')];
const MODELS = ['mnist-cnn', 'mnist-cnn-robust'];

describe('attack-lab URL state', () => {
  beforeEach(() => {
    setAddress('');
  });

  it('round-trips every field through the hash and keeps other keys', () => {
    setAddress('#panel=attack-lab');
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
    setAddress('#attack=pgd-l2');
    expect(readLabState(MODELS, ATTACKS, 'mnist-cnn').state.epsilon).toBe(1.5);
    setAddress('#attack=jsma');
    expect(readLabState(MODELS, ATTACKS, 'mnist-cnn').state.epsilon).toBe(20);
  });

  it('reports tampered values by key and falls back', () => {
    setAddress('#model=evil&attack=nope&eps=NaN&steps=2.5&img=-3&src=webcam&target=100&rs=maybe');
    const { state, problems } = readLabState(MODELS, ATTACKS, 'mnist-cnn');
    expect(state).toMatchObject({ model: 'mnist-cnn', attack: 'pgd', epsilon: 0.1, steps: null, image: 0, source: 'gallery', target: null, randomStart: true });
    for (const key of ['model=evil', 'attack=nope', 'eps=NaN', 'steps=2.5', 'img=-3', 'src=webcam', 'target=100', 'rs=maybe']) {
      expect(problems.some((p) => p.includes(key)), key).toBe(true);
    }
  });

  it('a write between an outside change of the address and its hashchange is dropped, so the new scene wins', () => {
    setAddress('#panel=attack-lab&eps=0.2');
    // A lesson step assigns location.hash; the hashchange handler runs a task later.
    fakeLocation.hash = '#panel=attack-lab&eps=0.1&step=2';
    const old = readLabState(MODELS, ATTACKS, 'mnist-cnn');
    writeLabState({ ...old.state, epsilon: 0.2 });
    expect(fakeLocation.hash).toBe('#panel=attack-lab&eps=0.1&step=2');
    addressChanged();
    writeLabState({ ...old.state, epsilon: 0.3 });
    expect(fakeLocation.hash).toContain('eps=0.3');
    expect(fakeLocation.hash).toContain('step=2');
  });
});
