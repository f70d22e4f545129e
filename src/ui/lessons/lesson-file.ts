/**
 * Lesson files (src/lessons/NN-name.md): Markdown with a small front matter, one `## ` heading per step, and
 * `scene:` / `look:` / `ask:` lines. This parser is the one place that knows the format; it reports problems as
 * sentences with the file and line, so a teacher who edits a lesson sees what to fix. Tfjs-free.
 */
import { TERM_IDS, type TermId } from '../glossary/term-ids';

export interface LessonStep {
  title: string;
  /** The scene: a URL hash (`#panel=…&…`) that sets every panel's state. */
  scene: string;
  /** What to look at. */
  look: string;
  /** A question to think about. */
  ask: string;
  /** Paragraphs of explanation, as text with [[term]] / [[term|label]] glossary links. */
  text: string[];
}

export interface Lesson {
  /** From the file name without its order prefix: `01-adversarial-example.md` → `adversarial-example`. */
  id: string;
  order: number;
  title: string;
  summary: string;
  minutes: number;
  steps: LessonStep[];
}

export const MIN_STEPS = 5;
export const MAX_STEPS = 10;

export class LessonFormatError extends Error {}

/** A run of plain text or a glossary link inside a paragraph. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'term'; id: TermId; label: string };

const TERM_LINK = /\[\[([a-z0-9-]+)(?:\|([^\]]+))?\]\]/g;

/** Splits a paragraph into text and glossary links; an unknown term is an error naming it. */
export function textParts(paragraph: string, where = 'text'): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of paragraph.matchAll(TERM_LINK)) {
    if (m.index > last) parts.push({ kind: 'text', text: paragraph.slice(last, m.index) });
    const id = m[1];
    if (!(TERM_IDS as readonly string[]).includes(id)) throw new LessonFormatError(`${where}: [[${id}]] is not in the glossary (src/ui/glossary/terms.ts).`);
    parts.push({ kind: 'term', id: id as TermId, label: m[2] ?? id });
    last = m.index + m[0].length;
  }
  if (last < paragraph.length) parts.push({ kind: 'text', text: paragraph.slice(last) });
  return parts;
}

/** The lesson id and order from a file name such as `03-fgsm-is-not-enough.md`. */
export function lessonName(fileName: string): { id: string; order: number } {
  const m = /(?:^|\/)(\d+)-([a-z0-9-]+)\.md$/.exec(fileName);
  if (!m) throw new LessonFormatError(`${fileName}: a lesson file is named NN-name.md (digits, a dash, lower-case words).`);
  return { id: m[2], order: Number(m[1]) };
}

export function parseLesson(fileName: string, source: string): Lesson {
  const { id, order } = lessonName(fileName);
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const fail = (line: number, what: string): never => {
    throw new LessonFormatError(`${fileName}, line ${line + 1}: ${what}`);
  };
  if (lines[0]?.trim() !== '---') fail(0, 'a lesson starts with a front matter block between two “---” lines.');
  const end = lines.indexOf('---', 1);
  if (end < 0) fail(0, 'the front matter is not closed by a “---” line.');
  const meta: Record<string, string> = {};
  for (let i = 1; i < end; i++) {
    const m = /^([a-z]+):\s*(.*)$/.exec(lines[i]);
    if (!m) fail(i, `“${lines[i]}” is not a “key: value” line.`);
    else meta[m[1]] = m[2].trim();
  }
  for (const key of ['title', 'summary'] as const) if (!meta[key]) fail(0, `the front matter needs “${key}:”.`);
  const minutes = meta.minutes === undefined ? 10 : Number(meta.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0) fail(0, `“minutes: ${meta.minutes}” is not a positive number.`);

  const steps: LessonStep[] = [];
  let current: (LessonStep & { line: number; paragraph: string[] }) | null = null;
  const close = () => {
    if (!current) return;
    if (current.paragraph.length) current.text.push(current.paragraph.join(' '));
    for (const key of ['scene', 'look', 'ask'] as const) {
      if (!current[key]) fail(current.line, `the step “${current.title}” needs a “${key}:” line.`);
    }
    if (!/^#panel=[a-z-]+(&|$)/.test(current.scene)) fail(current.line, `the scene of “${current.title}” must start with “#panel=<panel>”.`);
    for (const p of current.text) textParts(p, `${fileName}, step “${current.title}”`);
    const { line: _line, paragraph: _paragraph, ...step } = current;
    steps.push(step);
  };
  for (let i = end + 1; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^##\s+(.+)$/.exec(line);
    if (heading) {
      close();
      current = { title: heading[1].trim(), scene: '', look: '', ask: '', text: [], line: i, paragraph: [] };
      continue;
    }
    if (!current) {
      if (line.trim()) fail(i, 'text before the first “## ” step heading.');
      continue;
    }
    const field = /^(scene|look|ask):\s*(.*)$/.exec(line);
    if (field) {
      current[field[1] as 'scene' | 'look' | 'ask'] = field[2].trim();
    } else if (line.trim()) {
      current.paragraph.push(line.trim());
    } else if (current.paragraph.length) {
      current.text.push(current.paragraph.join(' '));
      current.paragraph = [];
    }
  }
  close();
  if (steps.length < MIN_STEPS || steps.length > MAX_STEPS) {
    fail(end, `a lesson has ${MIN_STEPS}–${MAX_STEPS} steps; this one has ${steps.length}.`);
  }
  return { id, order, title: meta.title, summary: meta.summary, minutes, steps };
}

/** The keys and values of a scene, in order. */
export function sceneParams(scene: string): Map<string, string> {
  return new Map(new URLSearchParams(scene.replace(/^#/, '')));
}

/** A step in lesson-file form, for “add this scene as a step”: paste it into a lesson file and edit the words. */
export function stepTemplate(scene: string, title = 'A new step'): string {
  return [`## ${title}`, `scene: ${scene}`, 'look: What should people look at?', 'ask: What question should they think about?', '', 'Explain the scene in one or two sentences.', ''].join('\n');
}
