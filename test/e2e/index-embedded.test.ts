import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, onlyJson, PROJECT_ROOT, runCli } from './cli-harness.js';

// A real corpus nobody here wrote: undici's own sources, as installed.
const CORPUS = path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib');

let work: string;
let repo: string;
beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'cw-e2e-embedded-'));
  repo = path.join(work, 'repo');
  await cp(CORPUS, path.join(repo, 'lib'), { recursive: true });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const dbOf = (dir: string) => path.join(dir, '.codeweaver', 'index.sqlite');

async function indexJson(dir: string, ...flags: string[]) {
  const res = await runCli(['index', dir, '--json', ...flags]);
  expect(res.code, res.stderr).toBe(0);
  return onlyJson(res);
}

describe('cw index with the embedded default on a real corpus', () => {
  it('indexes, writes a .gitignore into .codeweaver, and reports the contract fields', async () => {
    const summary = await indexJson(repo);
    expect(summary).toMatchObject({
      provider: 'local',
      model: 'bm25',
      search_mode: 'lexical',
      store: 'embedded',
      interrupted: false,
      chunks: { embedded: 0, reused: 0, deleted: 0 },
      files: { unchanged: 0, deleted: 0, failed: 0 },
    });
    const fileCount = (await import('fast-glob')).default.sync('**/*', { cwd: path.join(repo, 'lib'), dot: true }).length;
    // undici ships two minified WASM loaders: skipped with their reason, everything else indexed.
    expect(summary.files.skipped).toEqual({ minified: 2 });
    expect(summary.files.scanned).toBe(fileCount - 2);
    expect(summary.files.indexed).toBe(summary.files.scanned);
    expect(summary.chunks.written).toBeGreaterThan(fileCount);
    expect(summary.tokens).toBeGreaterThan(0);
    expect(typeof summary.duration_ms).toBe('number');
    expect(await readFile(path.join(repo, '.codeweaver', '.gitignore'), 'utf8')).toMatch(/^\*/m);
    const snap = snapshotEmbeddedIndex(dbOf(repo));
    expect(Object.keys(snap.files)).toHaveLength(summary.files.indexed);
    expect(snap.chunks).toHaveLength(summary.chunks.written);
    expect(snap.ftsRows).toBe(summary.chunks.written);
  });

  it('cw search finds the file that defines a known function', async () => {
    const res = await runCli(['search', 'stale while revalidate window', '--path', repo, '--json', '--limit', '5']);
    expect(res.code, res.stderr).toBe(0);
    const { results } = onlyJson(res);
    expect(results.length).toBeGreaterThan(0);
    expect(results.slice(0, 3).map((r: { path: string }) => r.path)).toContain('lib/interceptor/cache.js');
    const hit = results.find((r: { path: string }) => r.path === 'lib/interceptor/cache.js');
    expect(hit).toMatchObject({ start_line: expect.any(Number), end_line: expect.any(Number), score: expect.any(Number) });
    expect(hit.snippet.length).toBeGreaterThan(0);

    const under = onlyJson(await runCli(['search', 'stale while revalidate', '--path', repo, '--json', '--under', 'lib/handler']));
    expect(under.results.length).toBeGreaterThan(0);
    for (const r of under.results) expect(r.path.startsWith('lib/handler/')).toBe(true);
  });

  it('cw status reports what is indexed', async () => {
    const res = await runCli(['status', repo, '--json']);
    expect(res.code).toBe(0);
    const doc = onlyJson(res);
    expect(doc).toMatchObject({ indexed: true, store: 'embedded', provider: 'local', model: 'bm25', search_mode: 'lexical' });
    expect(doc.files).toBe(Object.keys(snapshotEmbeddedIndex(dbOf(repo)).files).length);
    expect(doc.last_indexed_at).toEqual(expect.any(String));
  });

  it('a rerun on an unchanged tree embeds nothing and writes nothing', async () => {
    const before = snapshotEmbeddedIndex(dbOf(repo));
    const summary = await indexJson(repo);
    expect(summary.files.indexed).toBe(0);
    expect(summary.files.unchanged).toBe(summary.files.scanned);
    expect(summary.chunks).toEqual({ embedded: 0, reused: 0, written: 0, deleted: 0 });
    expect(snapshotEmbeddedIndex(dbOf(repo))).toEqual(before);
  });

  it('after modify, delete and rename, the index equals a fresh full index of the same tree', async () => {
    const lib = path.join(repo, 'lib');
    const target = path.join(lib, 'core', 'util.js');
    await writeFile(target, `${await readFile(target, 'utf8')}\nfunction addedForTheTest () { return 'codeweaverMarker' }\n`);
    await rm(path.join(lib, 'interceptor', 'dns.js'));
    await rename(path.join(lib, 'interceptor', 'dump.js'), path.join(lib, 'interceptor', 'dump-renamed.js'));

    const summary = await indexJson(repo);
    expect(summary.files.indexed).toBe(2); // util.js changed, dump-renamed.js new
    expect(summary.files.deleted).toBe(2); // dns.js gone, dump.js renamed away
    expect(summary.chunks.deleted).toBeGreaterThan(0);

    const fresh = path.join(work, 'fresh');
    await cp(lib, path.join(fresh, 'lib'), { recursive: true });
    await indexJson(fresh);
    const incremental = snapshotEmbeddedIndex(dbOf(repo));
    const full = snapshotEmbeddedIndex(dbOf(fresh));
    expect(incremental.files).toEqual(full.files);
    expect(incremental.chunks).toEqual(full.chunks);
    expect(incremental.ids).toEqual(full.ids);
    expect(new Set(incremental.ids).size).toBe(incremental.ids.length);
    expect(incremental.ftsRows).toBe(incremental.chunks.length);

    const found = onlyJson(await runCli(['search', 'codeweaverMarker', '--path', repo, '--json']));
    expect(found.results[0].path).toBe('lib/core/util.js');
  });

  it('--dry-run reports what would be indexed and writes nothing', async () => {
    const fresh = path.join(work, 'dry');
    await cp(path.join(repo, 'lib'), path.join(fresh, 'lib'), { recursive: true });
    const summary = await indexJson(fresh, '--dry-run');
    expect(summary.dry_run).toBe(true);
    expect(summary.files.indexed).toBeGreaterThan(0);
    expect(summary.tokens).toBeGreaterThan(0);
    expect(existsSync(path.join(fresh, '.codeweaver'))).toBe(false);
  });

  it('--full rebuilds to the same index', async () => {
    const before = snapshotEmbeddedIndex(dbOf(repo));
    const summary = await indexJson(repo, '--full');
    expect(summary.files.indexed).toBe(summary.files.scanned);
    expect(snapshotEmbeddedIndex(dbOf(repo))).toEqual(before);
  });

  it('a new chunk size re-chunks every file and equals a fresh index with that size', async () => {
    const config = JSON.stringify({ indexing: { chunk_tokens: 128 } });
    await writeFile(path.join(repo, 'codeweaver.config.json'), config);
    const summary = await indexJson(repo);
    expect(summary.files.unchanged).toBe(0);
    expect(summary.files.indexed).toBe(summary.files.scanned);
    const fresh = path.join(work, 'fresh128');
    await cp(path.join(repo, 'lib'), path.join(fresh, 'lib'), { recursive: true });
    await writeFile(path.join(fresh, 'codeweaver.config.json'), config);
    await indexJson(fresh);
    expect(snapshotEmbeddedIndex(dbOf(repo)).chunks).toEqual(snapshotEmbeddedIndex(dbOf(fresh)).chunks);
    expect((await indexJson(repo)).files.indexed).toBe(0);
  });

  it('chunking on a worker thread (CODEWEAVER_CHUNK_THREADS=1) builds the same index', async () => {
    const dirs = [path.join(work, 'threads0'), path.join(work, 'threads1')];
    for (const [i, dir] of dirs.entries()) {
      await cp(CORPUS, path.join(dir, 'lib'), { recursive: true });
      const res = await runCli(['index', dir, '--json'], { env: cleanEnv({ CODEWEAVER_CHUNK_THREADS: String(i) }) });
      expect(res.code, res.stderr).toBe(0);
    }
    const [a, b] = dirs.map((d) => snapshotEmbeddedIndex(dbOf(d)));
    expect(b!.chunks).toEqual(a!.chunks);
    expect(b!.files).toEqual(a!.files);
    const bad = await runCli(['index', dirs[0]!], { env: cleanEnv({ CODEWEAVER_CHUNK_THREADS: 'many' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CODEWEAVER_CHUNK_THREADS: expected a whole number from 0 to 64, got "many"/);
  });

  it('writes on the index\'s own thread (CODEWEAVER_WRITE_THREAD) build the same index, and --json says how many it ran', async () => {
    const modes = ['off', 'on', 'auto'];
    const dirs = modes.map((m) => path.join(work, `write-thread-${m}`));
    const summaries = [];
    for (const [i, dir] of dirs.entries()) {
      // Twice: ~3,000 chunks, past the 2,048 after which auto moves the writes.
      for (const copy of ['lib', 'lib2']) await cp(CORPUS, path.join(dir, copy), { recursive: true });
      const res = await runCli(['index', dir, '--json'], { env: cleanEnv({ CODEWEAVER_WRITE_THREAD: modes[i]! }) });
      expect(res.code, res.stderr).toBe(0);
      summaries.push(onlyJson(res));
    }
    const [off, on, auto] = summaries;
    expect(off.store_requests.thread_transactions).toBe(0);
    expect(on.store_requests.thread_transactions).toBe(on.store_requests.transactions);
    // auto: the first writes here, then the thread once the run has written 2,048 chunks.
    expect(auto.chunks.written).toBeGreaterThan(2048);
    expect(auto.store_requests.thread_transactions).toBeGreaterThan(0);
    expect(auto.store_requests.thread_transactions).toBeLessThan(auto.store_requests.transactions);
    const [a, b, c] = dirs.map((d) => snapshotEmbeddedIndex(dbOf(d)));
    expect(b!.chunks).toEqual(a!.chunks);
    expect(b!.files).toEqual(a!.files);
    expect(c!.chunks).toEqual(a!.chunks);
    expect(c!.files).toEqual(a!.files);
    const bad = await runCli(['index', dirs[0]!], { env: cleanEnv({ CODEWEAVER_WRITE_THREAD: 'yes' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('cw: error: CODEWEAVER_WRITE_THREAD: expected on, off or auto, got "yes"');
  });
});
