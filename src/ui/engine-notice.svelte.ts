/**
 * The one line the header shows after the engine was restarted (see supervisor.ts): what happened, in plain words.
 * Panels keep their state; the call that was running failed with its own message.
 */
import type { RestartReason } from './supervisor';

const WHY: Record<RestartReason, string> = {
  crashed: 'stopped unexpectedly',
  hung: 'stopped answering',
  backend: 'lost its graphics device or ran out of memory',
  killed: 'was stopped',
};

class EngineNotice {
  message = $state<string | null>(null);
  /** How many restarts so far (tests and the curious). */
  restarts = $state(0);

  report(lane: string, reason: RestartReason, backend: string | null): void {
    this.restarts += 1;
    const where = lane === 'background' ? 'The background engine' : 'The compute engine';
    const on = reason === 'backend' && backend ? ` It now runs on ${backend}.` : '';
    this.message = `${where} ${WHY[reason]} and was restarted; your settings are kept — run the last job again.${on}`;
  }

  dismiss(): void {
    this.message = null;
  }
}

export const engineNotice = new EngineNotice();
