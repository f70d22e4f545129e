/**
 * Index of the largest value of values[from..to) (the first one on ties). Plain arrays, no tfjs: the UI uses it
 * on probabilities that came back from the worker, the worker on rows of logits.
 */
export function argmax(values: ArrayLike<number>, from = 0, to = values.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (values[i] > values[best]) best = i;
  return best - from;
}
