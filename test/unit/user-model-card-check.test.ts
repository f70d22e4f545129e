import { describe, expect, it } from 'vitest';
import { checkUserModelCard, userModelEntry, type UserModelCard } from '../../src/lib/models/user-model-card';
import { isDamaged, memoryModelStore } from '../../src/lib/models/storage';

const card: UserModelCard = {
  id: 'user-digits-abc',
  name: 'Digits',
  settings: { inputRange: [0, 1], mean: [0], std: [1], classNames: Array.from({ length: 10 }, (_, i) => String(i)) },
  dataset: 'mnist',
  report: { format: 'layers', inputShape: [28, 28, 1], numClasses: 10, kind: 'image', softmax: 'none', noGradientOps: [], gradients: true, metadataClassNames: null, notes: [] },
  addedAt: '2026-01-01T00:00:00Z',
} as UserModelCard;

describe('a card of your own model read back from storage', () => {
  it('passes when whole (and then makes an entry), and each damage is named', () => {
    expect(() => checkUserModelCard(structuredClone(card))).not.toThrow();
    expect(userModelEntry(card).inputShape).toEqual([28, 28, 1]);
    const cases: [Partial<Record<keyof UserModelCard, unknown>>, RegExp][] = [
      [{ name: '' }, /no name/],
      [{ report: undefined }, /description/],
      [{ report: { ...card.report, inputShape: [28, -1] } }, /description/],
      [{ report: { ...card.report, kind: 'audio' } }, /description/],
      [{ settings: { classNames: 'x' } }, /settings/],
      [{ dataset: 3 }, /test set/],
    ];
    for (const [change, message] of cases) expect(() => checkUserModelCard({ ...card, ...change })).toThrow(message);
    for (const v of [null, 'card', 3]) expect(() => checkUserModelCard(v)).toThrow(/not a card/);
  });

  it('a damaged one is listed apart; the others stay in the list', async () => {
    const store = memoryModelStore<UserModelCard>(checkUserModelCard, () => undefined);
    const artifacts = { modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0) };
    await store.save({ id: card.id, card, artifacts, savedAt: '2026-01-01T00:00:00Z' });
    await store.save({ id: 'user-bad', card: { ...card, id: 'user-bad', report: null } as never, artifacts, savedAt: '2026-01-02T00:00:00Z' });
    expect((await store.list()).map((r) => r.id)).toEqual([card.id]);
    expect((await store.listAll()).filter(isDamaged).map((r) => r.id)).toEqual(['user-bad']);
  });
});
