/**
 * The lesson being followed, if any. A step's scene is applied through the address — the same state the panels
 * use for links — with `lesson=<id>&step=<n>` added, so a lesson or a single step opens by link and a reload keeps
 * one's place. Tfjs-free.
 */
import type { Lesson } from './lesson-file';
import { replaceHash } from '../url-state';

export const lessonState = $state<{ lesson: Lesson | null; step: number }>({ lesson: null, step: 0 });

type Catalog = typeof import('./catalog');
let catalog: Catalog | null = null;

/**
 * The lesson files (about 20 KiB of text and their parser) load with the Lessons panel or the first address that
 * names a lesson, not with the app: most visits never open one.
 */
export async function loadLessons(): Promise<Catalog> {
  return (catalog ??= await import('./catalog'));
}

/** True while the address names a lesson whose files have not loaded: await loadLessons() before reading it. */
export function lessonsPending(hash: string = location.hash): boolean {
  return !catalog && new URLSearchParams(hash.replace(/^#/, '')).has('lesson');
}

/** The hash that shows step `step` (0-based) of a lesson: its scene plus the lesson's own keys. */
export function stepHash(lesson: Lesson, step: number): string {
  const params = new URLSearchParams(lesson.steps[step].scene.replace(/^#/, ''));
  params.set('lesson', lesson.id);
  params.set('step', String(step + 1));
  return `#${params.toString()}`;
}

/**
 * The lesson and step a hash names, or null (unknown lesson; a step outside the lesson is clamped). Reads the loaded
 * lessons only (see lessonsPending).
 */
export function lessonFromHash(hash: string): { lesson: Lesson; step: number } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const id = params.get('lesson');
  if (!id) return null;
  const lesson = catalog?.findLesson(id);
  if (!lesson) return null;
  const raw = Number(params.get('step') ?? '1');
  const step = Number.isInteger(raw) ? Math.min(Math.max(raw, 1), lesson.steps.length) - 1 : 0;
  return { lesson, step };
}

/** Opens a step: sets the address (which sets every panel's state) and remembers where the person is. */
export function showStep(lesson: Lesson, step: number): void {
  const s = Math.min(Math.max(step, 0), lesson.steps.length - 1);
  lessonState.lesson = lesson;
  lessonState.step = s;
  const hash = stepHash(lesson, s);
  if (location.hash !== hash) location.hash = hash; // a hashchange: the app applies the scene
}

export function nextStep(): void {
  if (lessonState.lesson && lessonState.step < lessonState.lesson.steps.length - 1) showStep(lessonState.lesson, lessonState.step + 1);
}

export function previousStep(): void {
  if (lessonState.lesson && lessonState.step > 0) showStep(lessonState.lesson, lessonState.step - 1);
}

/** Leaves the lesson; the current scene stays as it is. */
export function closeLesson(): void {
  lessonState.lesson = null;
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  params.delete('lesson');
  params.delete('step');
  replaceHash(`#${params.toString()}`);
}

/**
 * Follows the address: a link or Back/Forward to a lesson step puts the bar on that step. A short link that names
 * only the lesson and step (`#lesson=…&step=3`) is expanded into that step's scene; a link that also carries panel
 * state (a copied link after changes) is kept as it is.
 */
export function syncLessonFromHash(hash: string = location.hash): void {
  const found = lessonFromHash(hash);
  if (found) {
    const keys = [...new URLSearchParams(hash.replace(/^#/, '')).keys()];
    if (keys.every((k) => k === 'lesson' || k === 'step')) {
      replaceHash(stepHash(found.lesson, found.step));
    }
  }
  lessonState.lesson = found?.lesson ?? null;
  lessonState.step = found?.step ?? 0;
}
