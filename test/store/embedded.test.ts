import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexMismatchError } from '../../src/errors.js';
import { ExitCode, exitCodeOf } from '../../src/cli/exit-codes.js';
import { EmbeddedStore } from '../../src/store/embedded.js';
import { chunk, DENSE3, file, LEXICAL, tempIndex, WRITE_MODES } from './embedded-fixtures.js';

let t: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
});

/** Row counts straight from the file, through a separate connection. */
function counts(path: string): { chunks: number; fts: number; files: number } {
  const db = new Database(path, { readonly: true });
  try {
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      chunks: n('SELECT count(*) FROM chunks'),
      // contentless FTS keeps one docsize row per indexed document
      fts: n('SELECT count(*) FROM chunks_fts_docsize'),
      files: n('SELECT count(*) FROM files'),
    };
  } finally {
    db.close();
  }
}

describe('EmbeddedStore: opening', () => {
  it('creates the directory with a .gitignore of * and records the meta', async () => {
    const store = t.make();
    await store.open(DENSE3, { rebuild: false });
    expect(existsSync(t.path)).toBe(true);
    expect(readFileSync(join(dirname(t.path), '.gitignore'), 'utf8').trim()).toBe('*');
    const status = await store.status();
    expect(status).toMatchObject({ kind: 'embedded', location: t.path, meta: DENSE3, files: 0, chunks: 0, vectors: 0 });
    expect(status.createdAt).not.toBeNull();
  });

  it('uses WAL journaling and a schema version', async () => {
    await t.make().open(LEXICAL, { rebuild: false });
    const db = new Database(t.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();
  });

  it('openReadOnly returns null and creates nothing when there is no index', async () => {
    const store = t.make();
    expect(await store.openReadOnly()).toBeNull();
    expect(existsSync(t.path)).toBe(false);
    expect(existsSync(dirname(t.path))).toBe(false);
    expect((await store.status()).meta).toBeNull();
  });

  it('openReadOnly returns the meta of an existing index', async () => {
    const w = t.make();
    await w.open(DENSE3, { rebuild: false });
    await w.close();
    expect(await t.make().openReadOnly()).toEqual(DENSE3);
  });

  it('refuses another model or dimension with IndexMismatchError (exit 2) naming both', async () => {
    const w = t.make();
    await w.open({ provider: 'voyage', model: 'voyage-code-3', dimensions: 1024 }, { rebuild: false });
    await w.close();
    const r = t.make();
    const err = await r.open(LEXICAL, { rebuild: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexMismatchError);
    expect(exitCodeOf(err)).toBe(ExitCode.Usage);
    const msg = (err as Error).message;
    expect(msg).toContain('voyage/voyage-code-3 (1024 dims)');
    expect(msg).toContain('local/bm25');
    expect(msg).toContain('--full');
    expect(msg.split('\n')).toHaveLength(1);
    const dims = await t.make().open({ provider: 'voyage', model: 'voyage-code-3', dimensions: 512 }, { rebuild: false }).catch((e: unknown) => e);
    expect(dims).toBeInstanceOf(IndexMismatchError);
  });

  it('a rebuild fills a new file beside the live index, which stays whole until publish() renames it over', async () => {
    const w = t.make();
    await w.open(DENSE3, { rebuild: false });
    await w.writeFiles([file('a.ts', [chunk('a.ts', 1, 'const a = 1', [1, 0, 0])])]);
    await w.close();
    const r = t.make();
    await r.open(LEXICAL, { rebuild: true });
    expect(await r.status()).toMatchObject({ meta: LEXICAL, files: 0, chunks: 0, vectors: 0 });
    await r.writeFiles([file('b.ts', [chunk('b.ts', 1, 'const b = 2')])]);
    // The live file is untouched: other readers still see the old index.
    expect(counts(t.path)).toEqual({ chunks: 1, fts: 1, files: 1 });
    await r.publish();
    expect(counts(t.path)).toEqual({ chunks: 1, fts: 1, files: 1 });
    expect((await r.search({ text: 'const', vector: null, limit: 5 })).map((h) => h.path)).toEqual(['b.ts']);
    expect(existsSync(`${t.path}.rebuild`)).toBe(false);
    await r.close();
    const again = t.make();
    expect(await again.openReadOnly()).toEqual(LEXICAL);
  });

  it('a leftover rebuild file that is not a database is discarded, not an obstacle', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(dirname(t.path), { recursive: true });
    writeFileSync(`${t.path}.rebuild`, 'not a database at all, just text '.repeat(200));
    const r = t.make();
    await r.open(LEXICAL, { rebuild: true });
    expect((await r.status()).files).toBe(0);
  });

  it('an unpublished rebuild is resumed by the next rebuild of the same meta, and discarded by one of another', async () => {
    const w = t.make();
    await w.open(LEXICAL, { rebuild: false });
    await w.writeFiles([file('live.ts', [chunk('live.ts', 1, 'live')])]);
    await w.close();
    const first = t.make();
    await first.open(LEXICAL, { rebuild: true });
    await first.writeFiles([file('b.ts', [chunk('b.ts', 1, 'built before the interruption')])]);
    await first.close(); // interrupted: never published
    expect(counts(t.path).files).toBe(1);
    const resumed = t.make();
    await resumed.open(LEXICAL, { rebuild: true });
    expect(await resumed.fileHashes(['b.ts'])).toEqual(new Map([['b.ts', expect.any(String)]]));
    await resumed.close();
    const other = t.make();
    await other.open(DENSE3, { rebuild: true });
    expect((await other.status()).files).toBe(0);
    await other.close();
  });

  it('reopening with the same meta keeps the data', async () => {
    const w = t.make();
    await w.open(LEXICAL, { rebuild: false });
    await w.writeFiles([file('a.ts', [chunk('a.ts', 1, 'x')])]);
    await w.close();
    const r = t.make();
    await r.open(LEXICAL, { rebuild: false });
    expect((await r.status()).chunks).toBe(1);
  });

  it('close is idempotent', async () => {
    const s = t.make();
    await s.open(LEXICAL, { rebuild: false });
    await s.close();
    await expect(s.close()).resolves.toBeUndefined();
  });
});

describe.each(WRITE_MODES)('EmbeddedStore, writes $name', ({ onThread, writeThread }) => {
  beforeEach(() => {
    t.writeThread = writeThread();
  });

  describe('EmbeddedStore: writing', () => {
    let store: EmbeddedStore;
    beforeEach(async () => {
      store = t.make();
      await store.open(DENSE3, { rebuild: false });
    });

    it('round-trips files, chunks and vectors', async () => {
      const a1 = chunk('src/a.ts', 1, 'export function alpha() {}', [1, 2, 3], 'alpha');
      const a2 = chunk('src/a.ts', 2, 'export function beta() {}', [0, 1, 0], 'beta');
      const res = await store.writeFiles([file('src/a.ts', [a1, a2], 'hash-a'), file('b.ts', [], 'hash-b')]);
      expect(res).toEqual({ chunksWritten: 2, chunksDeleted: 0 });
      expect(await store.fileHashes(['src/a.ts', 'b.ts', 'missing.ts'])).toEqual(
        new Map([
          ['src/a.ts', 'hash-a'],
          ['b.ts', 'hash-b'],
        ]),
      );
      const status = await store.status();
      expect(status).toMatchObject({ files: 2, chunks: 2, vectors: 2 });
      expect(status.lastIndexedAt).not.toBeNull();
      const vectors = await store.reusableVectors([a1.contentHash, a2.contentHash, 'nope']);
      expect([...vectors.get(a1.contentHash)!]).toEqual([1, 2, 3]);
      expect([...vectors.get(a2.contentHash)!]).toEqual([0, 1, 0]);
      expect(vectors.has('nope')).toBe(false);
      const stats = store.stats();
      expect(stats.transactions).toBe(1);
      expect(stats.thread_transactions).toBe(onThread ? 1 : 0);
      expect(stats.rows_written).toBeGreaterThan(0);
    });

    it('rewriting a changed file replaces stale chunks and leaves no orphans in chunks or FTS', async () => {
      const old = [chunk('a.ts', 1, 'function legacyHandler() {}', [1, 0, 0]), chunk('a.ts', 2, 'function shared() {}', [0, 1, 0])];
      await store.writeFiles([file('a.ts', old, 'v1')]);
      const next = [chunk('a.ts', 2, 'function shared() {}', [0, 1, 0]), chunk('a.ts', 3, 'function freshWidget() {}', [0, 0, 1])];
      const res = await store.writeFiles([file('a.ts', next, 'v2')]);
      expect(res).toEqual({ chunksWritten: 2, chunksDeleted: 1 });
      expect(counts(t.path)).toEqual({ chunks: 2, fts: 2, files: 1 });
      expect(await store.fileHashes(['a.ts'])).toEqual(new Map([['a.ts', 'v2']]));
      expect(await store.search({ text: 'legacyHandler', vector: null, limit: 5 })).toEqual([]);
      expect((await store.search({ text: 'freshWidget', vector: null, limit: 5 })).map((h) => h.startLine)).toEqual([3]);
    });

    it('rewriting an identical file is a no-op in effect (no duplicate FTS rows)', async () => {
      const f = file('a.ts', [chunk('a.ts', 1, 'const same = 1', [1, 1, 1])], 'h');
      await store.writeFiles([f]);
      await store.writeFiles([f]);
      await store.writeFiles([f]);
      expect(counts(t.path)).toEqual({ chunks: 1, fts: 1, files: 1 });
      expect(await store.search({ text: 'same', vector: null, limit: 5 })).toHaveLength(1);
    });

    it('a transaction that fails midway leaves neither the chunks nor the file records', async () => {
      const good = file('good.ts', [chunk('good.ts', 1, 'const good = 1', [1, 0, 0])], 'g');
      const bad = file('bad.ts', [chunk('bad.ts', 1, 'const fine = 1', [1, 0, 0]), chunk('bad.ts', 2, 'const wrong = 1', [1, 0])], 'b');
      await expect(store.writeFiles([good, bad])).rejects.toThrow(/2-dim vector.*3-dim/);
      expect(counts(t.path)).toEqual({ chunks: 0, fts: 0, files: 0 });
      expect(await store.fileHashes(['good.ts', 'bad.ts'])).toEqual(new Map());

      // A row SQLite itself rejects (NOT NULL content) after earlier rows: same outcome.
      const broken = chunk('c.ts', 1, 'x', [1, 0, 0]);
      (broken as { content: unknown }).content = null;
      await expect(store.writeFiles([good, file('c.ts', [broken], 'c')])).rejects.toThrow(/NOT NULL/);
      expect(counts(t.path)).toEqual({ chunks: 0, fts: 0, files: 0 });
      expect(store.stats().transactions).toBe(0);

      // The store is still usable afterwards.
      await store.writeFiles([good]);
      expect(counts(t.path)).toEqual({ chunks: 1, fts: 1, files: 1 });
    });

    it('deleteFiles removes chunks, FTS rows and file records', async () => {
      await store.writeFiles([
        file('a.ts', [chunk('a.ts', 1, 'alpha one', [1, 0, 0]), chunk('a.ts', 2, 'alpha two', [1, 0, 0])]),
        file('b.ts', [chunk('b.ts', 1, 'beta', [0, 1, 0])]),
      ]);
      expect(await store.deleteFiles(['a.ts', 'not-there.ts'])).toBe(2);
      expect(counts(t.path)).toEqual({ chunks: 1, fts: 1, files: 1 });
      expect(await store.fileHashes(['a.ts', 'b.ts'])).toEqual(new Map([['b.ts', expect.any(String)]]));
      expect(await store.search({ text: 'alpha', vector: null, limit: 5 })).toEqual([]);
    });

    it('fileHashes looks up more paths than one IN batch', async () => {
      const files = Array.from({ length: 1203 }, (_, i) => file(`f${i}.ts`, [], `h${i}`));
      await store.writeFiles(files);
      const asked = [...files.map((f) => f.path), 'missing.ts'];
      const hashes = await store.fileHashes(asked);
      expect(hashes.size).toBe(1203);
      expect(hashes.get('f1202.ts')).toBe('h1202');
    });

    it('listFiles streams every path in pages and tolerates deletes while iterating', async () => {
      const n = 2500;
      await store.writeFiles(Array.from({ length: n }, (_, i) => file(`dir/${String(i).padStart(5, '0')}.ts`, [], `h${i}`)));
      const seen: string[] = [];
      for await (const p of store.listFiles()) {
        seen.push(p);
        if (seen.length % 700 === 0) await store.deleteFiles([p]); // a write mid-stream must not throw
      }
      expect(seen).toHaveLength(n);
      expect(new Set(seen).size).toBe(n);
      expect((await store.status()).files).toBe(n - 3);
    });

    it('reusableVectors skips chunks without a vector', async () => {
      const withVec = chunk('a.ts', 1, 'with vector', [0.5, 0.25, 0.125]);
      const without = chunk('a.ts', 2, 'without vector', null);
      await store.writeFiles([file('a.ts', [withVec, without])]);
      const got = await store.reusableVectors([withVec.contentHash, without.contentHash]);
      expect([...got.keys()]).toEqual([withVec.contentHash]);
      expect(got.get(withVec.contentHash)).toEqual(Float32Array.from([0.5, 0.25, 0.125]));
    });

    it('refuses writes before open()', async () => {
      const other = new EmbeddedStore({ path: join(t.dir, 'x.sqlite') });
      await expect(other.writeFiles([file('a.ts', [])])).rejects.toThrow(/not open for writing/);
    });
  });

  describe('EmbeddedStore: long-lived writers and readers', () => {
    it('reserve() keeps the lock, naming its role, across runs until release()', async () => {
      // Refusal of another process is tested end to end (cw index beside cw watch); here, the lock's life.
      const lock = `${t.path}.lock`;
      const watcher = t.make();
      await watcher.reserve('watch');
      expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} \\S+ watch\n$`));
      await watcher.open(LEXICAL, { rebuild: false });
      await watcher.writeFiles([file('a.ts', [chunk('a.ts', 1, 'const a = 1')])]);
      await watcher.close(); // one run over: the reservation stays
      expect(existsSync(lock)).toBe(true);
      await watcher.open(LEXICAL, { rebuild: false }); // its own runs go on
      await watcher.close();
      expect(readFileSync(lock, 'utf8')).toContain(' watch');
      await watcher.release();
      expect(existsSync(lock)).toBe(false);
      const plain = t.make();
      await plain.open(LEXICAL, { rebuild: false });
      await plain.close();
      expect(existsSync(lock)).toBe(false); // an ordinary run holds it only while it writes
    });

    it('a reader kept open sees a rebuild published by another store, and a removed index as none', async () => {
      const w = t.make();
      await w.open(LEXICAL, { rebuild: false });
      await w.writeFiles([file('old.ts', [chunk('old.ts', 1, 'const shared = 1')])]);
      await w.close();
      const reader = t.make();
      expect((await reader.search({ text: 'shared', vector: null, limit: 5 })).map((h) => h.path)).toEqual(['old.ts']);
      const rebuild = t.make();
      await rebuild.open(LEXICAL, { rebuild: true });
      await rebuild.writeFiles([file('new.ts', [chunk('new.ts', 1, 'const shared = 2')])]);
      await rebuild.publish();
      await rebuild.close();
      expect((await reader.search({ text: 'shared', vector: null, limit: 5 })).map((h) => h.path)).toEqual(['new.ts']);
      expect(await reader.status()).toMatchObject({ files: 1 });
      await t.make().drop();
      expect(await reader.openReadOnly()).toBeNull();
      expect(await reader.search({ text: 'shared', vector: null, limit: 5 })).toEqual([]);
    });
  });

  describe('EmbeddedStore: stat data', () => {
    it('records stat keys with a write, and later only where the hash is still the one compared', async () => {
      const store = t.make();
      await store.open(LEXICAL, { rebuild: false });
      const a = { ...file('a.ts', [chunk('a.ts', 1, 'const a = 1')]), stat: 'sig|1|2|3|4|5' };
      const b = { ...file('b.ts', [chunk('b.ts', 1, 'const b = 2')]), stat: null };
      await store.writeFiles([a, b]);
      expect(await store.fileStats(['a.ts', 'b.ts', 'missing.ts'])).toEqual(new Map([['a.ts', { stat: 'sig|1|2|3|4|5', skipped: null }]]));
      await store.recordStats([
        { path: 'b.ts', fileHash: b.fileHash, stat: 'sig|9|9|9|9|9' },
        { path: 'a.ts', fileHash: 'another hash', stat: 'sig|7|7|7|7|7' }, // rewritten meanwhile: not taken
      ]);
      expect(await store.fileStats(['a.ts', 'b.ts'])).toEqual(
        new Map([
          ['a.ts', { stat: 'sig|1|2|3|4|5', skipped: null }],
          ['b.ts', { stat: 'sig|9|9|9|9|9', skipped: null }],
        ]),
      );
      // A rewrite without stat data clears the old key: the next run reads the file.
      await store.writeFiles([{ ...file('a.ts', [chunk('a.ts', 1, 'const a = 3')], 'v2'), stat: null }]);
      expect((await store.fileStats(['a.ts'])).has('a.ts')).toBe(false);
    });

    it('records files left out for their content; writing such a file as indexable, or pruning unseen paths, forgets them', async () => {
      const store = t.make();
      await store.open(LEXICAL, { rebuild: false });
      await store.recordSkips([
        { path: 'blob.bin', stat: 'k1', reason: 'binary' },
        { path: 'app.min.js', stat: 'k2', reason: 'minified' },
        { path: 'gone.txt', stat: 'k3', reason: 'not_utf8' },
      ]);
      expect(await store.fileStats(['blob.bin', 'app.min.js'])).toEqual(
        new Map([
          ['blob.bin', { stat: 'k1', skipped: 'binary' }],
          ['app.min.js', { stat: 'k2', skipped: 'minified' }],
        ]),
      );
      await store.writeFiles([file('blob.bin', [chunk('blob.bin', 1, 'text now')])]);
      expect((await store.fileStats(['blob.bin'])).get('blob.bin')?.skipped).not.toBe('binary');
      await store.pruneSkips(new Set(['app.min.js']));
      expect([...(await store.fileStats(['app.min.js', 'gone.txt'])).keys()]).toEqual(['app.min.js']);
    });
  });
});
