/**
 * vitest's global setup: the CLI, worker threads (chunking, the write thread) and fixtures load
 * the built JavaScript in dist/, while tests import the TypeScript sources. A run after an edit
 * to src/ would test the old code in every spawned process and thread; so when dist/ is older
 * than anything it is built from, it is built first (`npm run build`, ~20 s).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STAMP = path.join(ROOT, 'dist', 'bundle', 'main.js');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newest(path.join(ROOT, 'src')), ...['tsconfig.json', 'package.json', 'scripts/bundle.mjs'].map((f) => statSync(path.join(ROOT, f)).mtimeMs));
  if (sources <= built) return;
  process.stderr.write('dist/ is older than src/: building it first (npm run build)\n');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}
