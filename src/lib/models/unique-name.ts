/**
 * Every model in a list gets a name no other model in it has: people pick models by name, and two fine-tuned
 * models with the same recipe (or two uploads of one file) would otherwise look alike. Tfjs-free (the UI uses it).
 */

/** `wanted`, or `wanted (2)`, `wanted (3)`, … — the first not in `taken` (compared without case). */
export function uniqueName(wanted: string, taken: Iterable<string>): string {
  const base = wanted.trim() || 'model';
  const used = new Set([...taken].map((n) => n.toLowerCase()));
  if (!used.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base} (${i})`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/** The names of a list made unique in list order: the first keeps its name, later twins get (2), (3), … */
export function uniqueNames(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) out.push(uniqueName(n, out));
  return out;
}
