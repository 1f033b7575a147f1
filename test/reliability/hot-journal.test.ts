/**
 * kill -9 inside a rollback-journaled write leaves a hot journal beside the index (issue 31:
 * every later cw index, search and status then said "permission denied"). The next opener that
 * may write rolls it back, a reader still answers, and the next run equals a clean one.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, PROJECT_ROOT, runCli } from '../e2e/cli-harness.js';
import { CORPORA, makeRepo, onlyOneJson, workDir } from './harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('hot-journal');
});
afterAll(() => work.cleanup());

/** A real process killed with -9 in the middle of a journaled write to `db`. */
async function killMidWrite(db: string): Promise<void> {
  const child = fork(path.join(PROJECT_ROOT, 'test', 'fixtures', 'hot-journal', 'writer.mjs'), [db], { stdio: 'ignore' as never, serialization: 'json' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it was killed`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  expect(existsSync(`${db}-journal`)).toBe(true);
}

describe('a hot journal left by kill -9', () => {
  it('is rolled back by the next cw: search and status answer, index converges to a clean run', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    const db = path.join(repo, '.codeweaver', 'index.sqlite');
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const clean = snapshotEmbeddedIndex(db);

    // Readers first: each answers from the index as it was before the killed write.
    await killMidWrite(db);
    const status = await runCli(['status', repo, '--json'], { env: cleanEnv() });
    expect(status.code, status.stderr).toBe(0);
    expect(onlyOneJson(status.stdout, status.stderr)).toMatchObject({ files: Object.keys(clean.files).length, model: 'bm25' });
    expect(existsSync(`${db}-journal`)).toBe(false);

    await killMidWrite(db);
    const search = await runCli(['search', 'retry handler', '-p', repo, '--json'], { env: cleanEnv() });
    expect(search.code, search.stderr).toBe(0);
    expect(onlyOneJson(search.stdout).results.length).toBeGreaterThan(0);

    // Then a writer: it rolls back, and what it leaves equals a clean index.
    await killMidWrite(db);
    const rerun = await runCli(['index', repo, '--json'], { env: cleanEnv() });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).not.toMatch(/permission denied/);
    const after = snapshotEmbeddedIndex(db);
    expect(after.files).toEqual(clean.files);
    expect(after.chunks).toEqual(clean.chunks);
    expect(after.ftsRows).toBe(after.chunks.length);
  }, 120_000);
});
