import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../e2e/cli-harness.js';

/** Real code to index: directories of installed packages, copied so tests may edit them. */
export const CORPORA = {
  /** undici's lib/ (about 120 files). */
  undici: [path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib')],
  /** A few handler files: quick runs. */
  small: ['handler', 'interceptor'].map((d) => path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib', d)),
};

/** One temporary working directory per test file, removed by `cleanup`. */
export async function workDir(label: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `cw-rel-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

let repoCount = 0;
/** A repository under `parent` holding copies of `sources` under lib/, and this config. */
export async function makeRepo(parent: string, sources: string[], config: Record<string, unknown> = {}): Promise<string> {
  const repo = path.join(parent, `repo${repoCount++}`);
  await mkdir(repo, { recursive: true });
  for (const dir of sources) await cp(dir, path.join(repo, 'lib', path.basename(dir)), { recursive: true });
  await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify(config));
  return repo;
}

/** Polls a condition (no fixed sleeps) until it holds or the deadline passes. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every JSON document on stdout must be exactly one: parses it or fails with the output. */
export function onlyOneJson(stdout: string, stderr = ''): any {
  try {
    return JSON.parse(stdout.trim());
  } catch {
    throw new Error(`stdout is not exactly one JSON document:\n${stdout}\n--- stderr:\n${stderr}`);
  }
}
