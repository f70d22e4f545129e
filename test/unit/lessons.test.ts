import { describe, expect, it } from 'vitest';
import { BROKEN_LESSONS, LESSONS } from '../../src/ui/lessons/catalog';
import { LessonFormatError, parseLesson, sceneParams, stepTemplate, textParts, MAX_STEPS, MIN_STEPS } from '../../src/ui/lessons/lesson-file';
import { lessonFromHash, lessonsPending, loadLessons, stepHash } from '../../src/ui/lessons/lesson-state.svelte';
import { GLOSSARY } from '../../src/ui/glossary/terms';
import { TERM_IDS, termFor } from '../../src/ui/glossary/term-ids';

const PANEL_IDS = ['attack-lab', 'boundaries', 'tradeoff', 'finetune', 'lessons', 'engine', 'defenses'];

const good = `---
title: T
summary: S
minutes: 5
---
${Array.from({ length: 5 }, (_, i) => `## Step ${i}\nscene: #panel=attack-lab&eps=0.${i}\nlook: L${i}\nask: A${i}\n\nText about [[epsilon|ε]] and [[pgd]].\nSecond line.\n`).join('\n')}`;

describe('lesson files', () => {
  it('every lesson in src/lessons parses, in teaching order, with 5–10 steps', () => {
    expect(BROKEN_LESSONS).toEqual([]);
    expect(LESSONS.length).toBeGreaterThanOrEqual(4);
    expect(LESSONS.map((l) => l.order)).toEqual([...LESSONS.map((l) => l.order)].sort((a, b) => a - b));
    for (const lesson of LESSONS) {
      expect(lesson.steps.length, lesson.id).toBeGreaterThanOrEqual(MIN_STEPS);
      expect(lesson.steps.length, lesson.id).toBeLessThanOrEqual(MAX_STEPS);
      for (const step of lesson.steps) {
        expect(PANEL_IDS, `${lesson.id}: ${step.title}`).toContain(sceneParams(step.scene).get('panel'));
        expect(step.look.length).toBeGreaterThan(10);
        expect(step.ask.endsWith('?') || step.ask.endsWith('.'), step.ask).toBe(true);
      }
    }
  });

  it('parses steps, fields, paragraphs and glossary links', () => {
    const lesson = parseLesson('07-my-lesson.md', good);
    expect(lesson).toMatchObject({ id: 'my-lesson', order: 7, title: 'T', summary: 'S', minutes: 5 });
    expect(lesson.steps[2]).toEqual({ title: 'Step 2', scene: '#panel=attack-lab&eps=0.2', look: 'L2', ask: 'A2', text: ['Text about [[epsilon|ε]] and [[pgd]]. Second line.'] });
    expect(textParts(lesson.steps[0].text[0])).toEqual([
      { kind: 'text', text: 'Text about ' },
      { kind: 'term', id: 'epsilon', label: 'ε' },
      { kind: 'text', text: ' and ' },
      { kind: 'term', id: 'pgd', label: 'pgd' },
      { kind: 'text', text: '. Second line.' },
    ]);
  });

  it('names the file, the line and the fix for each kind of mistake', () => {
    const cases: [string, string, RegExp][] = [
      ['notes.md', good, /named NN-name\.md/],
      ['01-x.md', good.replace('---\ntitle', 'title'), /line 1: a lesson starts with a front matter/],
      ['01-x.md', good.replace('summary: S\n', ''), /needs “summary:”/],
      ['01-x.md', good.replace('minutes: 5', 'minutes: soon'), /not a positive number/],
      ['01-x.md', good.replace('look: L3\n', ''), /step “Step 3” needs a “look:” line/],
      ['01-x.md', good.replace('#panel=attack-lab&eps=0.1', 'panel=attack-lab'), /must start with “#panel=/],
      ['01-x.md', good.replace('[[pgd]]', '[[pgd-xyz]]'), /\[\[pgd-xyz\]\] is not in the glossary/],
      ['01-x.md', good.split('## Step 4')[0], /5–10 steps; this one has 4/],
    ];
    for (const [file, source, message] of cases) {
      expect(() => parseLesson(file, source)).toThrow(LessonFormatError);
      expect(() => parseLesson(file, source)).toThrow(message);
    }
  });

  it('a step opens by link: the hash of step n leads back to step n, out-of-range steps are clamped', async () => {
    const lesson = LESSONS[0];
    // The lesson files load only when an address names a lesson (or the Lessons panel opens).
    expect(lessonsPending(stepHash(lesson, 0))).toBe(true);
    expect(lessonsPending('#panel=attack-lab')).toBe(false);
    expect(lessonFromHash(stepHash(lesson, 0))).toBeNull();
    await loadLessons();
    expect(lessonsPending(stepHash(lesson, 0))).toBe(false);
    for (let i = 0; i < lesson.steps.length; i++) {
      const hash = stepHash(lesson, i);
      expect(sceneParams(hash).get('panel')).toBe(sceneParams(lesson.steps[i].scene).get('panel'));
      expect(lessonFromHash(hash)).toEqual({ lesson, step: i });
    }
    expect(lessonFromHash(`#lesson=${lesson.id}&step=999`)?.step).toBe(lesson.steps.length - 1);
    expect(lessonFromHash(`#lesson=${lesson.id}&step=abc`)?.step).toBe(0);
    expect(lessonFromHash('#lesson=no-such-lesson&step=1')).toBeNull();
  });

  it('“add this scene as a step” gives a step that parses back to the same scene', () => {
    const scene = '#panel=tradeoff&tmodels=mnist-cnn&temax=0.3';
    const src = `---\ntitle: T\nsummary: S\n---\n${Array.from({ length: 5 }, () => stepTemplate(scene)).join('\n')}`;
    expect(parseLesson('01-x.md', src).steps.every((s) => s.scene === scene)).toBe(true);
  });
});

describe('glossary', () => {
  it('the ids the page knows up front are exactly the entries of the glossary it loads later', () => {
    expect([...TERM_IDS].sort()).toEqual(Object.keys(GLOSSARY).sort());
    expect(termFor('pgd')).toBe('pgd');
    expect(termFor('smoothing')).toBe('randomized-smoothing');
    expect(termFor('no-such-term')).toBeNull();
  });

  it('every entry has a term and a plain explanation of one to three sentences', () => {
    for (const id of TERM_IDS) {
      const e = GLOSSARY[id];
      expect(e.term.length, id).toBeGreaterThan(0);
      const sentences = e.plain.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 0);
      expect(sentences.length, id).toBeGreaterThanOrEqual(1);
      expect(e.plain.length, id).toBeLessThan(320);
    }
  });
});
