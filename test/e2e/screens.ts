import path from 'node:path';
/**
 * Where a screenshot goes: docs/screenshots/ when SCREENSHOTS=1 (`npm run screenshots`, committed and shown in
 * the README), otherwise test-results/screens/ for a person to open and judge after any run.
 */
export function shotPath(name: string): string {
  const dir = process.env.SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screens';
  return path.join(dir, name);
}
