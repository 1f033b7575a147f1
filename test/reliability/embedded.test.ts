/**
 * The embedded index under the worst interruptions, through the real CLI: kill -9 at several
 * points, an interrupted --full, a damaged file, and a location that cannot be written. After
 * each, the next run converges to exactly what a clean run produces.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, runCli, spawnCli } from '../e2e/cli-harness.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { CORPORA, makeRepo, onlyOneJson, waitFor, workDir } from './harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('embedded');
});
afterAll(() => work.cleanup());

const dbOf = (repo: string) => path.join(repo, '.codeweaver', 'index.sqlite');
const snap = (repo: string) => snapshotEmbeddedIndex(dbOf(repo));

/** undici's lib/ three times: long enough to be killed at several points. */
async function bigRepo(): Promise<string> {
  const repo = await makeRepo(work.dir, CORPORA.undici);
  for (let i = 1; i < 3; i++) await cp(path.join(repo, 'lib', 'lib'), path.join(repo, 'lib', `copy${i}`), { recursive: true });
  return repo;
}

/** Files recorded in an index file, read through a separate connection (0 before it exists). */
function filesIn(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** Files recorded so far in the live index. */
const recordedFiles = (repo: string) => filesIn(dbOf(repo));
/** Files recorded in the rebuild beside the index. */
const buildFiles = (repo: string) => filesIn(`${dbOf(repo)}.rebuild`);

async function search(repo: string, query: string) {
  const res = await runCli(['search', query, '--path', repo, '--json'], { env: cleanEnv() });
  expect(res.code, res.stderr).toBe(0);
  return onlyOneJson(res.stdout, res.stderr).results;
}

describe('kill -9 during an embedded run', () => {
  // Writes on the calling thread, and from the first write on the index's own thread (a kill
  // then lands between the two threads, or in the thread's transaction).
  it.each(['off', 'on'])('at several points, then a rerun: the same files and chunks as a clean run, no duplicates (CODEWEAVER_WRITE_THREAD=%s)', async (thread) => {
    const repo = await bigRepo();
    for (const afterFiles of [0, 1, 150]) {
      const cli = spawnCli(['index', repo], { env: cleanEnv({ CODEWEAVER_WRITE_THREAD: thread }) });
      const start = recordedFiles(repo);
      await waitFor(() => recordedFiles(repo) >= start + afterFiles || cli.child.exitCode !== null, 30_000, 'files recorded');
      cli.child.kill('SIGKILL');
      await cli.done;
    }
    const rest = await runCli(['index', repo, '--json'], { env: cleanEnv() });
    expect(rest.code, rest.stderr).toBe(0); // the killed run's lock is taken over
    const clean = await bigRepo();
    expect((await runCli(['index', clean], { env: cleanEnv() })).code).toBe(0);
    const a = snap(repo);
    const b = snap(clean);
    expect(a.files).toEqual(b.files);
    expect(a.chunks).toEqual(b.chunks);
    expect(new Set(a.ids).size).toBe(a.ids.length);
    expect(a.ftsRows).toBe(a.chunks.length);
  }, 120_000);
});

describe('an interrupted --full', () => {
  it('leaves the old index whole and searchable; the next --full resumes and replaces it', async () => {
    const repo = await bigRepo();
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const before = snap(repo);
    const found = await search(repo, 'retry after header');
    expect(found.length).toBeGreaterThan(0);

    // A change the rebuild will pick up, then the rebuild is killed halfway.
    await writeFile(path.join(repo, 'lib', 'added.js'), 'function addedBeforeRebuild () { return "rebuild" }\n');
    const cli = spawnCli(['index', repo, '--full'], { env: cleanEnv() });
    await waitFor(() => buildFiles(repo) >= 100 || cli.child.exitCode !== null, 30_000, 'rebuild under way');
    cli.child.kill('SIGKILL');
    await cli.done;
    expect(snap(repo)).toEqual(before);
    expect(await search(repo, 'retry after header')).toEqual(found);

    // cw status lists the rebuild waiting beside the live index, and a plain cw index (which
    // updates the live index) leaves it waiting: only --full finishes it.
    const pending = await status(repo);
    expect(pending.pending_rebuild).toMatchObject({ provider: 'local', model: 'bm25' });
    expect(pending.pending_rebuild.files).toBeGreaterThanOrEqual(100);
    expect(pending.pending_rebuild.bytes).toBeGreaterThan(0);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    expect((await status(repo)).pending_rebuild).toBeDefined();
    const text = await runCli(['status', repo], { env: cleanEnv() });
    expect(text.stdout).toMatch(/rebuild not live yet \(local\/bm25, [\d,]+ files so far, .*\): `cw index --full` finishes it/);

    const finished = await runCli(['index', repo, '--full', '--json'], { env: cleanEnv() });
    expect(finished.code, finished.stderr).toBe(0);
    const summary = onlyOneJson(finished.stdout, finished.stderr);
    expect(summary.rebuilt).toBe(true);
    expect(summary.files.unchanged).toBeGreaterThanOrEqual(100); // resumed, not restarted
    const clean = await bigRepo();
    await writeFile(path.join(clean, 'lib', 'added.js'), 'function addedBeforeRebuild () { return "rebuild" }\n');
    expect((await runCli(['index', clean], { env: cleanEnv() })).code).toBe(0);
    expect(snap(repo).files).toEqual(snap(clean).files);
    expect(snap(repo).chunks).toEqual(snap(clean).chunks);
    expect((await search(repo, 'addedBeforeRebuild'))[0].path).toBe('lib/added.js');
    expect((await status(repo)).pending_rebuild).toBeUndefined();
  }, 120_000);

  it('by Ctrl-C: the summary and cw status tell one story (cw index --full finishes it)', async () => {
    const repo = await bigRepo();
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const cli = spawnCli(['index', repo, '--full'], { env: cleanEnv() });
    await waitFor(() => buildFiles(repo) >= 20 || cli.child.exitCode !== null, 30_000, 'rebuild under way');
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toContain('rerun cw index --full to finish it');
    expect(res.stdout).toContain('the rebuild is not live yet: `cw index --full` finishes it');
    expect(res.stdout).not.toContain('the next `cw index` finishes the rest');
    expect((await status(repo)).pending_rebuild.files).toBeGreaterThanOrEqual(20);
  }, 120_000);
});

async function status(repo: string) {
  const res = await runCli(['status', repo, '--json'], { env: cleanEnv() });
  expect(res.code, res.stderr).toBe(0);
  return onlyOneJson(res.stdout, res.stderr);
}

describe('a damaged index', () => {
  it('is reported by index and search with the file and the fix; --full rebuilds it from scratch', async () => {
    const repo = await makeRepo(work.dir, CORPORA.undici);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const file = dbOf(repo);
    // Garbage over every page past the first quarter of the file (the WAL was folded in when cw
    // closed it). With every other page, one full-suite run saw the search read none of the
    // damaged ones (the pages a query needs vary with the order chunks were written in).
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    for (let offset = Math.floor(size / 4); offset < size; offset += 4096) writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, offset);
    closeSync(fd);

    const indexed = await runCli(['index', repo], { env: cleanEnv() });
    expect(indexed.code).toBe(2);
    expect(indexed.stderr.trim()).toMatch(/^cw: error: the index at .*index\.sqlite is damaged \(.*\) — rebuild it with cw index --full, which replaces the file$/);
    // Search reads only the pages its query needs: where it meets the damage, it says the same.
    const searched = await runCli(['search', 'retry', '--path', repo], { env: cleanEnv() });
    expect(searched.code).toBe(2);
    expect(searched.stderr.trim()).toMatch(/^cw: error: the index at .*index\.sqlite is damaged .* cw index --full/);
    expect(searched.stderr).not.toMatch(/malformed\s*$/m);

    const rebuilt = await runCli(['index', repo, '--full', '--json'], { env: cleanEnv() });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const clean = await makeRepo(work.dir, CORPORA.undici);
    expect((await runCli(['index', clean], { env: cleanEnv() })).code).toBe(0);
    expect(snap(repo).files).toEqual(snap(clean).files);
    expect(snap(repo).chunks).toEqual(snap(clean).chunks);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
  }, 60_000);
});

describe('an index location that cannot be written', () => {
  it('says which file and what to do, in one line, with nothing written', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    await writeFile(path.join(repo, 'not-a-dir'), 'a file where the index directory should be\n');
    await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify({ store: { path: 'not-a-dir/index.sqlite' } }));
    const res = await runCli(['index', repo], { env: cleanEnv() });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toMatch(/^cw: error: cannot create or open the index at .*not-a-dir\/index\.sqlite \(.*\) — check that its directory can be created and written, or set store\.path$/);
    expect(statSync(path.join(repo, 'not-a-dir')).isFile()).toBe(true);
  });
});
