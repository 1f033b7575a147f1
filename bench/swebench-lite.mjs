// The SWE-bench Lite instances the quality benchmarks read, and where the clones of their
// repositories are: one home for both (quality-bench.mjs, long-query-bench.mjs).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dev split beside this project (../shared/quality). */
export const DEV_SPLIT = path.join(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'quality', 'swebench-lite-dev.jsonl');

/** The instances of a JSONL file: instance_id, repo, base_commit, problem_statement, gold_files. */
export function readInstances(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/**
 * The git directory of a repository's clone under `clones`: `owner+name/repo` (what the search
 * tool's fetch brings: a bare git directory), `owner+name` or `name`, each a bare git directory
 * or a work tree with .git.
 */
export function gitDirOf(clones, repo) {
  const [owner, name] = repo.split('/');
  for (const candidate of [`${owner}+${name}/repo`, `${owner}+${name}`, name]) {
    const dir = path.join(clones, candidate);
    if (existsSync(path.join(dir, '.git'))) return path.join(dir, '.git');
    if (existsSync(path.join(dir, 'HEAD')) && existsSync(path.join(dir, 'objects'))) return dir;
  }
  throw new Error(`no clone of ${repo} under ${clones}`);
}
