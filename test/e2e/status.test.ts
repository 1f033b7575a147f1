/**
 * cw status tells how fresh the index is: the checkout it is about, what changed since the last
 * run (a dry run: nothing written), times people read; and it refuses a directory that is no
 * repository (/, $HOME) instead of offering to index all of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { whenText } from '../../src/cli/format.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, onlyJson, runCli } from './cli-harness.js';

beforeAll(assertBuilt);

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'cw-status-'));
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, encoding: 'utf8' }).trim();

async function gitRepo(): Promise<void> {
  git('init', '-q', '-b', 'trunk');
  for (const name of ['a', 'b', 'c']) await writeFile(path.join(repo, `${name}.ts`), `export function ${name}Fn() { return '${name}'; }\n`);
  git('add', '-A');
  git('commit', '-qm', 'first');
}

describe('cw status', () => {
  it('names the checkout and counts the files changed since the last run, writing nothing', async () => {
    await gitRepo();
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const fresh = onlyJson(await runCli(['status', repo, '--json'], { env: cleanEnv() }));
    expect(fresh.worktree).toEqual({ commit: git('rev-parse', 'HEAD'), branch: 'trunk' });
    expect(fresh.changes).toEqual({ new_or_changed: 0, deleted: 0, unchanged: 3 });
    const upToDate = await runCli(['status', repo], { env: cleanEnv() });
    expect(upToDate.stdout).toContain(`checkout: trunk at ${git('rev-parse', 'HEAD').slice(0, 12)} · the index is up to date`);

    await writeFile(path.join(repo, 'a.ts'), 'export function aFn() { return "changed"; }\n');
    await writeFile(path.join(repo, 'd.ts'), 'export function dFn() { return "new"; }\n');
    await unlink(path.join(repo, 'c.ts'));
    const before = snapshotEmbeddedIndex(path.join(repo, '.codeweaver', 'index.sqlite'));
    const stale = onlyJson(await runCli(['status', repo, '--json'], { env: cleanEnv() }));
    expect(stale.changes).toEqual({ new_or_changed: 2, deleted: 1, unchanged: 1 });
    expect(snapshotEmbeddedIndex(path.join(repo, '.codeweaver', 'index.sqlite'))).toEqual(before);
    const text = await runCli(['status', repo], { env: cleanEnv() });
    expect(text.stdout).toContain('2 files new or changed, 1 deleted since the last run — `cw index` brings it up to date');
    expect(text.stdout).toMatch(/created just now \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\), last indexed just now/);
    expect(text.stderr).not.toContain('lexical (BM25) index only'); // the notice belongs to the index's creation

    const skipped = onlyJson(await runCli(['status', repo, '--json', '--no-check-changes'], { env: cleanEnv() }));
    expect(skipped.changes).toBeNull();
  });

  it('outside git: no checkout, and the counts still', async () => {
    await writeFile(path.join(repo, 'a.ts'), 'export const a = 1;\n');
    await writeFile(path.join(repo, 'codeweaver.config.json'), '{}');
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const doc = onlyJson(await runCli(['status', repo, '--json'], { env: cleanEnv() }));
    expect(doc.worktree).toEqual({ commit: null, branch: null });
    expect(doc.changes.new_or_changed).toBe(0);
  });

  it('refuses a home directory that is no repository (as it would /), for status and index alike', async () => {
    await writeFile(path.join(repo, 'notes.txt'), 'not a repository\n');
    for (const command of ['status', 'index']) {
      const res = await runCli([command], { cwd: repo, env: cleanEnv({ HOME: repo }) });
      expect(res.code).toBe(2);
      expect(res.stderr.trim()).toBe(`cw: error: cw ${command}: ${repo} is not a repository (no .git, codeweaver config or index) — pass the repository's path, e.g. cw ${command} /path/to/repo`);
    }
    expect((await runCli(['status'], { cwd: repo, env: cleanEnv() })).code).toBe(0); // elsewhere than $HOME, a plain directory is fine
  });
});

describe('the lexical-only notice', () => {
  it('is said when the index is created, then only under --verbose', async () => {
    await writeFile(path.join(repo, 'a.ts'), 'export const a = 1;\n');
    const notice = 'provider local: lexical (BM25) index only';
    expect((await runCli(['index', repo], { env: cleanEnv() })).stderr).toContain(notice);
    expect((await runCli(['index', repo], { env: cleanEnv() })).stderr).not.toContain(notice);
    expect((await runCli(['index', repo, '--verbose'], { env: cleanEnv() })).stderr).toContain(notice);
  });
});

describe('times in cw status', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it.each([
    ['2026-12-07T11:59:30Z', 'just now (2026-12-07 11:59 UTC)'],
    ['2026-12-07T11:58:00Z', '2 minutes ago (2026-12-07 11:58 UTC)'],
    ['2026-12-07T09:00:00Z', '3 hours ago (2026-12-07 09:00 UTC)'],
    ['2026-12-06T12:00:00Z', '1 day ago (2026-12-06 12:00 UTC)'],
    ['2026-11-07T12:00:00Z', '1 month ago (2026-11-07 12:00 UTC)'],
    ['2026-12-08T12:00:00Z', '2026-12-08 12:00 UTC'],
  ])('%s → %s', (iso, text) => {
    expect(whenText(iso, now)).toBe(text);
  });
});

describe('an index inside an indexed repository', () => {
  it('is refused unless --here; a search answered by one says so', async () => {
    const sub = path.join(repo, 'packages', 'app');
    await mkdir(sub, { recursive: true });
    await writeFile(path.join(repo, 'root.ts'), 'export function rootThing() { return 1; }\n');
    await writeFile(path.join(sub, 'app.ts'), 'export function appThing() { return 2; }\n');
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);

    const refused = await runCli(['index', '.'], { cwd: sub, env: cleanEnv() });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      `cw: error: ${sub} is inside ${repo}, which has its own index — run cw index ${repo} to use that one, or pass --here to create a separate index for this directory`,
    );
    // cw watch would create one too: the same refusal.
    const watch = await runCli(['watch', '.'], { cwd: sub, env: cleanEnv() });
    expect(watch.code).toBe(2);
    expect(watch.stderr.trim()).toBe(
      `cw: error: ${sub} is inside ${repo}, which has its own index — run cw watch ${repo} to use that one, or pass --here to create a separate index for this directory`,
    );
    expect(existsSync(path.join(sub, '.codeweaver'))).toBe(false);
    // Without a path, the repository around the directory is found and updated, as before.
    expect((await runCli(['index', '--json'], { cwd: sub, env: cleanEnv() })).code).toBe(0);
    expect(existsSync(path.join(sub, '.codeweaver'))).toBe(false);

    expect((await runCli(['index', '.', '--here'], { cwd: sub, env: cleanEnv() })).code).toBe(0);
    const nested = await runCli(['search', 'appThing'], { cwd: sub, env: cleanEnv() });
    expect(nested.code).toBe(0);
    expect(nested.stderr).toContain(`searched the index of ${sub}, inside ${repo} which has its own — cw search --path ${repo} searches that one`);
    const top = await runCli(['search', 'rootThing'], { cwd: repo, env: cleanEnv() });
    expect(top.stderr).not.toContain('searched the index of');
  });
});
