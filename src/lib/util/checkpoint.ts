/**
 * A cancellation point that really lets events in. On the wasm and cpu backends `await tensor.data()` resolves as a
 * microtask, so a loop that only awaits reads never returns to the event loop: a worker cannot receive the message
 * that cancels it (or starts a newer job) until the loop ends. checkpoint() yields a macrotask — at most every
 * YIELD_EVERY_MS, so a fast loop pays almost nothing — and then throws CancelledError if the signal was aborted.
 */
import { throwIfCancelled } from './cancel';

const YIELD_EVERY_MS = 15;
let lastYield = 0;

/** Resolves after pending events (messages, timers) have had their turn. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Between steps of a long loop: let events in now and then, then stop if cancelled. */
export async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  const now = performance.now();
  if (signal && now - lastYield >= YIELD_EVERY_MS) {
    lastYield = now;
    await yieldToEvents();
  }
  throwIfCancelled(signal);
}
