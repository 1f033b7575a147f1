/**
 * `cw watch` against a real directory: every kind of change a working tree sees, each followed
 * by waiting (bounded, polling the index) until the watched index equals a fresh `cw index`
 * of the same tree — same files, same chunks, nothing twice, nothing left behind.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, rename, rm, symlink, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { snapshotEmbeddedIndex, type IndexSnapshot } from '../support/index-snapshot.js';
import { CORPORA, makeRepo, waitFor, workDir } from '../reliability/harness.js';
import { assertBuilt, cleanEnv, PROJECT_ROOT, runCli, spawnCli, type CliProcess } from './cli-harness.js';

const dbOf = (repo: string) => path.join(repo, '.codeweaver', 'index.sqlite');

let work: Awaited<ReturnType<typeof workDir>>;
let watching: CliProcess | null = null;
let server: ProviderServer | null = null;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('watch');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  if (watching && watching.child.exitCode === null) {
    watching.child.kill('SIGKILL');
    await watching.done;
  }
  watching = null;
  await server?.close();
  server = null;
});

/** The JSON lines printed so far (each complete line must be one JSON document). */
function events(cli: CliProcess): any[] {
  const lines = cli.stdout().split('\n');
  lines.pop(); // not yet complete
  return lines.filter((l) => l.trim()).map((l) => JSON.parse(l));
}

async function startWatching(repo: string, env = cleanEnv()): Promise<CliProcess> {
  const cli = spawnCli(['watch', repo, '--json'], { env });
  watching = cli;
  await waitFor(() => events(cli).some((e) => e.type === 'watching') || cli.child.exitCode !== null, 30_000, 'watching');
  expect(cli.child.exitCode, cli.stderr()).toBeNull();
  return cli;
}

const comparable = (s: IndexSnapshot) => ({ files: s.files, chunks: s.chunks, ids: s.ids, fts: s.ftsRows, ftsTotals: s.ftsTotals, vectors: s.vectors });

let copies = 0;
/** What a clean `cw index` of the tree as it is now holds: indexed from a copy. */
async function freshIndexOf(repo: string, env = cleanEnv()): Promise<ReturnType<typeof comparable>> {
  const copy = path.join(work.dir, `fresh${copies++}`);
  // Links copied as they are (relative ones then lead inside the copy, as in the tree).
  await cp(repo, copy, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.includes(`${path.sep}.codeweaver`) });
  const res = await runCli(['index', copy, '--json'], { env });
  expect(res.code, res.stderr).toBe(0);
  const snap = comparable(snapshotEmbeddedIndex(dbOf(copy)));
  await rm(copy, { recursive: true, force: true });
  return snap;
}

/** Waits until the watched index equals a fresh index of the tree. */
async function converges(repo: string, what: string, env = cleanEnv()): Promise<void> {
  const expected = await freshIndexOf(repo, env);
  let last: unknown = null;
  try {
    await waitFor(
      () => {
        last = comparable(snapshotEmbeddedIndex(dbOf(repo)));
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      20_000,
      what,
    );
  } catch (err) {
    expect(last, `${what}: the watched index never equalled a fresh one`).toEqual(expected);
    throw err;
  }
}

describe('cw watch keeps the index equal to a fresh index of the tree', () => {
  it('through edits, renames, deletes, atomic saves, new deep directories, moves, ignore edits and a mass change', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small, { watch: { debounce_ms: 40 } });
    // Changes made before the watcher starts are found by its catch-up run.
    await writeFile(path.join(repo, 'lib', 'before.js'), 'function madeBeforeWatching () { return 0 }\n');
    const cli = await startWatching(repo);
    const caughtUp = events(cli).find((e) => e.type === 'indexed' && e.kind === 'catch_up');
    expect(caughtUp.summary.files.indexed).toBeGreaterThan(10);
    await converges(repo, 'catch-up');

    const lib = (...p: string[]) => path.join(repo, 'lib', ...p);
    await writeFile(lib('new.js'), 'function createdWhileWatching () { return 1 }\n');
    await converges(repo, 'create');
    await appendFile(lib('handler', 'retry-handler.js'), '\nfunction editedWhileWatching () { return 2 }\n');
    await converges(repo, 'edit');
    await rename(lib('new.js'), lib('renamed.js'));
    await converges(repo, 'rename');
    await rm(lib('before.js'));
    await converges(repo, 'delete');

    // An editor's atomic save: the new content goes to a temp file renamed over the original.
    await writeFile(lib('.renamed.js.swp'), 'function savedAtomically () { return 3 }\n');
    await rename(lib('.renamed.js.swp'), lib('renamed.js'));
    await converges(repo, 'atomic save');

    // `mkdir -p`: the watch of the new directory's subdirectories must not be lost.
    await mkdir(lib('a', 'b', 'c'), { recursive: true });
    await writeFile(lib('a', 'b', 'c', 'deep.js'), 'function deepInNewDirectories () { return 4 }\n');
    await converges(repo, 'new nested directories');
    await writeFile(lib('a', 'b', 'c', 'later.js'), 'function laterInTheDeepDirectory () { return 5 }\n');
    await converges(repo, 'a later file deep in directories created at once');

    await rename(lib('a'), lib('moved'));
    await converges(repo, 'directory moved');
    await rm(lib('moved'), { recursive: true });
    await converges(repo, 'directory removed');

    // Created and removed within one quiet period: nothing to index, nothing left.
    await writeFile(lib('flash.js'), 'function neverSeen () {}\n');
    await rm(lib('flash.js'));
    await converges(repo, 'created and removed at once');

    await writeFile(path.join(repo, '.gitignore'), 'lib/handler/\n');
    await converges(repo, 'an ignore rule added');
    expect(Object.keys(snapshotEmbeddedIndex(dbOf(repo)).files).some((p) => p.startsWith('lib/handler/'))).toBe(false);
    await writeFile(path.join(repo, 'lib', '.cwignore'), 'interceptor/\n');
    await converges(repo, 'a nested .cwignore added');
    await rm(path.join(repo, '.gitignore'));
    await rm(path.join(repo, 'lib', '.cwignore'));
    await converges(repo, 'ignore rules removed');
    expect(Object.keys(snapshotEmbeddedIndex(dbOf(repo)).files).some((p) => p.startsWith('lib/handler/'))).toBe(true);

    // A branch switch: hundreds of files at once become a few runs, not hundreds.
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=cw', '-c', 'user.email=cw@example.invalid', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'base');
    git('checkout', '-q', '-b', 'wide');
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        mkdir(lib('mass', `d${i % 10}`), { recursive: true }).then(() => writeFile(lib('mass', `d${i % 10}`, `f${i}.js`), `function mass_${i} () { return ${i} }\n`)),
      ),
    );
    await rm(lib('handler'), { recursive: true });
    git('add', '-A');
    git('commit', '-qm', 'wide');
    await converges(repo, 'a branch with 300 files more');
    for (const branch of ['main', 'wide', 'main']) {
      const before = events(cli).filter((e) => e.type === 'indexed').length;
      git('checkout', '-q', branch);
      await converges(repo, `checkout ${branch}`);
      const batches = events(cli).filter((e) => e.type === 'indexed').length - before;
      expect(batches, `checkout ${branch} changed 300+ files`).toBeLessThanOrEqual(10);
    }

    // One writer per index: a cw index beside the watcher is refused, saying who holds it.
    const beside = await runCli(['index', repo], { env: cleanEnv() });
    expect(beside.code).toBe(2);
    expect(beside.stderr).toMatch(new RegExp(`cw watch \\(pid ${cli.child.pid}\\) keeps .* up to date`));

    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code, res.stderr).toBe(130);
    for (const line of res.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    expect(res.stderr).not.toMatch(/error/i);
    // The watcher's lock is gone with it: a plain run works and finds nothing to do.
    const after = await runCli(['index', repo, '--json'], { env: cleanEnv() });
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).files.indexed).toBe(0);
  }, 240_000);

  it('started while directories come and go (a checkout under way): it does not exit, and converges once they settle', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small, { watch: { debounce_ms: 40 } });
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const churn = fork(path.join(PROJECT_ROOT, 'test', 'fixtures', 'watch', 'churn.mjs'), [repo], { stdio: 'ignore' as never });
    try {
      await new Promise<void>((resolve, reject) => {
        churn.once('message', () => resolve());
        churn.once('exit', (code) => reject(new Error(`the churn exited (${code})`)));
      });
      // Several starts, each subscribing while the tree changes under it.
      for (let i = 0; i < 3; i++) {
        const cli = spawnCli(['watch', repo, '--json'], { env: cleanEnv() });
        watching = cli;
        await waitFor(() => events(cli).some((e) => e.type === 'watching') || cli.child.exitCode !== null, 60_000, 'watching');
        expect(cli.child.exitCode, cli.stderr()).toBeNull();
        if (i < 2) {
          cli.child.kill('SIGINT');
          await cli.done;
        }
      }
    } finally {
      const exited = new Promise((r) => churn.once('exit', r));
      if (churn.exitCode === null) churn.send('stop');
      await exited;
    }
    await writeFile(path.join(repo, 'lib', 'after-churn.js'), 'export function afterChurn() { return 1 }\n');
    await converges(repo, 'after the churn settles');
    expect(watching!.child.exitCode, watching!.stderr()).toBeNull();
    expect(watching!.stderr()).not.toMatch(/error/i);
  });

  it('an edited configuration: the scope applies live (files now excluded leave the index), a new provider asks for a restart, a broken file changes nothing', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small, { watch: { debounce_ms: 40 } });
    const cli = await startWatching(repo);
    const config = path.join(repo, 'codeweaver.config.json');
    await writeFile(config, JSON.stringify({ watch: { debounce_ms: 40 }, indexing: { exclude: ['lib/interceptor/'] } }));
    await waitFor(() => events(cli).some((e) => e.type === 'config'), 30_000, 'the edit taken');
    expect(events(cli).find((e) => e.type === 'config')).toMatchObject({ file: 'codeweaver.config.json', applied: ['indexing.exclude'], restart: [] });
    await converges(repo, 'the new exclude applied');
    expect(Object.keys(snapshotEmbeddedIndex(dbOf(repo)).files).some((f) => f.startsWith('lib/interceptor/'))).toBe(false);

    await writeFile(config, JSON.stringify({ watch: { debounce_ms: 40 }, indexing: { exclude: ['lib/interceptor/'] }, embedding: { provider: 'voyage' } }));
    await waitFor(() => events(cli).filter((e) => e.type === 'config').length >= 2, 30_000, 'the second edit taken');
    expect(events(cli).filter((e) => e.type === 'config')[1]).toMatchObject({ applied: [], restart: ['embedding.provider'] });

    await writeFile(config, '{ "indexing": ');
    await waitFor(() => events(cli).some((e) => e.type === 'warning' && /the settings in use are kept/.test(e.message)), 30_000, 'the broken file refused');
    // Still the same scope, still watching.
    await writeFile(path.join(repo, 'lib', 'interceptor', 'still-out.js'), 'export const x = 1\n');
    await writeFile(path.join(repo, 'lib', 'still-in.js'), 'export const y = 2\n');
    await waitFor(() => 'lib/still-in.js' in snapshotEmbeddedIndex(dbOf(repo)).files, 30_000, 'a later edit indexed');
    expect('lib/interceptor/still-out.js' in snapshotEmbeddedIndex(dbOf(repo)).files).toBe(false);
    expect(cli.child.exitCode).toBeNull();
  });

  it('follows directories reached through symbolic links live: a change below the target is indexed under the link too', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small, { watch: { debounce_ms: 40 } });
    await symlink('handler', path.join(repo, 'lib', 'alias'));
    const cli = await startWatching(repo);
    expect(Object.keys(snapshotEmbeddedIndex(dbOf(repo)).files)).toContain('lib/alias/retry-handler.js');
    await appendFile(path.join(repo, 'lib', 'handler', 'retry-handler.js'), '\nfunction editedThroughTheTarget () { return 1 }\n');
    await converges(repo, 'an edit below a linked directory');
    // A link made while watching is followed from then on.
    await symlink('interceptor', path.join(repo, 'lib', 'alias2'));
    await converges(repo, 'a new link');
    await writeFile(path.join(repo, 'lib', 'interceptor', 'made-later.js'), 'export function madeLater () { return 2 }\n');
    await converges(repo, 'a new file below the new link\'s target');
    await rm(path.join(repo, 'lib', 'alias'));
    await converges(repo, 'a link removed');
    expect(cli.child.exitCode).toBeNull();
  });

  it('with every write on the index\'s own thread (CODEWEAVER_WRITE_THREAD=on): edits, renames and deletes converge, and no thread is left behind by its runs', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small, { watch: { debounce_ms: 40 } });
    const env = cleanEnv({ CODEWEAVER_WRITE_THREAD: 'on' });
    const cli = await startWatching(repo, env);
    await converges(repo, 'catch-up');
    // Threads of the watcher's process (where /proc tells; elsewhere the count is not checked):
    // each run starts a write thread and must end it.
    const status = `/proc/${cli.child.pid}/status`;
    const threads = () => (existsSync(status) ? Number(/^Threads:\s+(\d+)/m.exec(readFileSync(status, 'utf8'))?.[1]) : 0);
    const settled = threads();
    const lib = (...p: string[]) => path.join(repo, 'lib', ...p);
    for (let i = 0; i < 4; i++) {
      await writeFile(lib(`made${i}.js`), `function madeOnTheThread${i} () { return ${i} }\n`);
      await converges(repo, `create ${i}`);
    }
    await rename(lib('made0.js'), lib('renamed0.js'));
    await converges(repo, 'rename');
    await rm(lib('made1.js'));
    await converges(repo, 'delete');
    const runs = events(cli).filter((e) => e.type === 'indexed');
    expect(runs.length).toBeGreaterThanOrEqual(7);
    // Every run that wrote a file wrote it on the thread.
    const writing = runs.filter((e) => e.summary.files.indexed > 0);
    expect(writing.length).toBeGreaterThanOrEqual(5);
    for (const e of writing) expect(e.summary.store_requests.thread_transactions).toBeGreaterThan(0);
    // Four runs since `settled`: a thread leaked per run would show as four more.
    expect(threads()).toBeLessThanOrEqual(settled + 1);
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
  }, 120_000);

  it('a provider outage does not end it: the batch is kept, retried with backoff, and indexed once the provider is back', async () => {
    server = await startVoyageServer({ dims: 256 });
    let down = false;
    server.respond = (req) => (down ? { status: 503, headers: { 'retry-after': '0' }, json: { detail: 'overloaded' } } : server!.ok(req));
    const env = cleanEnv({ VOYAGE_API_KEY: 'pa-watch-outage-key-123' });
    const repo = await makeRepo(work.dir, [CORPORA.small[0]!], {
      embedding: { provider: 'voyage', base_url: server.baseUrl, dimensions: 256, batch_size: 8 },
      watch: { debounce_ms: 40 },
    });
    const cli = await startWatching(repo, env);
    down = true;
    await writeFile(path.join(repo, 'lib', 'during-outage.js'), 'function writtenDuringOutage () { return 6 }\n');
    await waitFor(() => events(cli).some((e) => e.type === 'retrying'), 30_000, 'a retry announced');
    expect(cli.child.exitCode).toBeNull();
    const retrying = events(cli).find((e) => e.type === 'retrying');
    expect(retrying.retry_in_ms).toBeGreaterThan(0);
    expect(cli.stdout() + cli.stderr()).not.toContain('pa-watch-outage-key-123');
    down = false;
    await converges(repo, 'after the outage', env);
    expect(Object.keys(snapshotEmbeddedIndex(dbOf(repo)).files)).toContain('lib/during-outage.js');
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(130);
  }, 120_000);
});
