/**
 * "Leave this page?" while a job runs: reloading or closing the tab would throw away a run in progress (an attack,
 * a curve, a fine-tuning run). The browser asks only when the handler cancels the event, so the handler stays
 * installed and decides at the moment of leaving.
 */
import { backgroundJobs } from './background.svelte';

/** Jobs (src/ui/job.svelte.ts) whose newest run is in progress. */
const running = new Set<object>();

export function markRunning(job: object, isRunning: boolean): void {
  if (isRunning) running.add(job);
  else running.delete(job);
}

/** Whether leaving now would lose work: any job of the UI running, or any call in flight in the background lane. */
export function shouldAskBeforeLeaving(runningJobs: number, backgroundCalls: number): boolean {
  return runningJobs > 0 || backgroundCalls > 0;
}

export function runningJobCount(): number {
  return running.size;
}

let installed = false;

export function installLeaveGuard(target: Pick<Window, 'addEventListener'> = window): void {
  if (installed) return;
  installed = true;
  target.addEventListener('beforeunload', (event: BeforeUnloadEvent) => {
    if (!shouldAskBeforeLeaving(running.size, backgroundJobs.list.length)) return;
    event.preventDefault();
    // Older browsers ask only when returnValue is set.
    event.returnValue = '';
  });
}
