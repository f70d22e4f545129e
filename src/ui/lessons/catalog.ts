/**
 * Every lesson file in src/lessons/, parsed at build time (Vite inlines the Markdown), in teaching order.
 * A file with a format error is not hidden: it is listed with its error, so the teacher sees what to fix.
 */
import { LessonFormatError, lessonName, parseLesson, type Lesson } from './lesson-file';

const sources = import.meta.glob('../../lessons/*.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface BrokenLesson {
  file: string;
  error: string;
}

function load(): { lessons: Lesson[]; broken: BrokenLesson[] } {
  const lessons: Lesson[] = [];
  const broken: BrokenLesson[] = [];
  for (const [path, source] of Object.entries(sources)) {
    const file = path.split('/').pop() ?? path;
    if (!/^\d+-/.test(file)) continue; // README.md and other notes
    try {
      lessonName(file);
      lessons.push(parseLesson(file, source));
    } catch (e) {
      if (!(e instanceof LessonFormatError)) throw e;
      broken.push({ file, error: e.message });
    }
  }
  lessons.sort((a, b) => a.order - b.order);
  return { lessons, broken };
}

export const { lessons: LESSONS, broken: BROKEN_LESSONS } = load();

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
