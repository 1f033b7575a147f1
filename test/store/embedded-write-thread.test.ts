/**
 * The embedded store's write thread (src/store/embedded/write-thread.ts): when writes move
 * there, that their order survives the move, and what happens when the thread cannot start or
 * dies. The store's behaviour with every write on the thread is the whole embedded suite run
 * a second time (embedded.test.ts, contract.test.ts).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodeweaverError } from '../../src/errors.js';
import { ExitCode, exitCodeOf } from '../../src/cli/exit-codes.js';
import { EmbeddedStore } from '../../src/store/embedded.js';
import { chunk, DENSE3, file, tempIndex, writeWorkerScript } from './embedded-fixtures.js';

let t: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
});

const fixture = (name: string) => pathToFileURL(resolve(import.meta.dirname, '../fixtures/write-thread', name));

function rows(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      chunks: db.prepare('SELECT path, start_line, content FROM chunks ORDER BY path, start_line').raw().all(),
      files: db.prepare('SELECT path, file_hash, chunk_count FROM files ORDER BY path').raw().all(),
      fts: db.prepare('SELECT count(*) FROM chunks_fts_docsize').pluck().get(),
    };
  } finally {
    db.close();
  }
}

/** A store on the test's index whose writes go to `script`'s thread once a run has written `after` chunks, opened. */
async function openedWith(script: URL, after = 0): Promise<EmbeddedStore> {
  const store = new EmbeddedStore({ path: t.path, writeThread: { after, script } });
  t.stores.push(store);
  await store.open(DENSE3, { rebuild: false });
  return store;
}

const three = (path: string, version: string) =>
  file(path, [1, 2, 3].map((line) => chunk(path, line, `const ${version}_${line} = ${line}`, [line, 0, 0])), `${path}@${version}`);

describe('EmbeddedStore: writes moving to their own thread', () => {
  it('start there once a run has written `after` chunks; the write that crosses waits for it, and later writes keep their order', async () => {
    const store = await openedWith(writeWorkerScript(), 5);
    await store.writeFiles([three('a.ts', 'v1')]); // 3 chunks: below the mark, here
    expect(store.stats().thread_transactions).toBe(0);
    // 6 chunks: this write crosses the mark and goes to the thread; the same file again at once,
    // then a delete and a stat record behind it, all in the order called.
    const crossing = store.writeFiles([three('a.ts', 'v2')]);
    const next = store.writeFiles([three('a.ts', 'v3'), three('b.ts', 'v1')]);
    const removed = store.deleteFiles(['b.ts']);
    const stat = store.recordStats([{ path: 'a.ts', fileHash: 'a.ts@v3', stat: 'sig|1|2|3|4|5' }]);
    expect(await crossing).toEqual({ chunksWritten: 3, chunksDeleted: 3 });
    expect(await next).toEqual({ chunksWritten: 6, chunksDeleted: 3 });
    expect(await removed).toBe(3);
    await stat;
    expect(store.stats()).toMatchObject({ transactions: 5, thread_transactions: 4 });
    // Read on the main connection, right after: every committed write is there.
    expect(await store.fileHashes(['a.ts', 'b.ts'])).toEqual(new Map([['a.ts', 'a.ts@v3']]));
    expect(await store.fileStats(['a.ts'])).toEqual(new Map([['a.ts', { stat: 'sig|1|2|3|4|5', skipped: null }]]));
    await store.close();
    expect(rows(t.path)).toEqual({
      chunks: [1, 2, 3].map((line) => ['a.ts', line, `const v3_${line} = ${line}`]),
      files: [['a.ts', 'a.ts@v3', 3]],
      fts: 3,
    });

    // Each run counts afresh: a small run after a big one writes here.
    await store.open(DENSE3, { rebuild: false });
    await store.writeFiles([three('c.ts', 'v1')]);
    expect(store.stats().thread_transactions).toBe(4);
  });

  it.each(['fails-to-open.mjs', 'exits-before-ready.mjs'])('a thread that cannot start (%s) leaves the writes on the calling thread', async (script) => {
    const store = await openedWith(fixture(script));
    expect(await store.writeFiles([three('a.ts', 'v1')])).toEqual({ chunksWritten: 3, chunksDeleted: 0 });
    expect(store.stats()).toMatchObject({ transactions: 1, thread_transactions: 0 });
    await store.close();
    expect(rows(t.path).files).toEqual([['a.ts', 'a.ts@v1', 3]]);
  });

  it('a thread that dies fails the write with one line, records nothing of it, and the index stays usable', async () => {
    const store = await openedWith(fixture('dies-on-first-write.mjs'));
    const err = await store.writeFiles([three('a.ts', 'v1')]).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^the index's write thread stopped \(exit code 7\); nothing it had not committed was recorded — rerun cw index$/);
    // Later writes of the run fail the same way instead of hanging.
    await expect(store.writeFiles([three('b.ts', 'v1')])).rejects.toThrow(/write thread stopped/);
    await store.close(); // returns: nothing waits for the dead thread
    expect(rows(t.path)).toEqual({ chunks: [], files: [], fts: 0 });
    // The lock was released and the file is whole: the next run writes.
    const next = await openedWith(writeWorkerScript());
    await next.writeFiles([three('a.ts', 'v1')]);
    await next.close();
    expect(rows(t.path).files).toEqual([['a.ts', 'a.ts@v1', 3]]);
  });

  it('a thread that dies inside a transaction leaves none of it, and gives the write lock back', async () => {
    const store = await openedWith(fixture('dies-mid-transaction.mjs'));
    await expect(store.writeFiles([three('a.ts', 'v1')])).rejects.toThrow(/write thread stopped \(exit code 9\)/);
    await store.close();
    // Writes on this thread, under the same process's file locks: a lock the dead thread still
    // held would fail it with SQLITE_BUSY once busy_timeout ran out.
    const next = t.make();
    await next.open(DENSE3, { rebuild: false });
    await next.writeFiles([three('b.ts', 'v1')]);
    await next.close();
    expect(rows(t.path).files).toEqual([['b.ts', 'b.ts@v1', 3]]);
  });

  it("SQLite's errors cross as SqliteErrors with their codes, and the store's mapping reads them as before", async () => {
    const store = await openedWith(writeWorkerScript());
    const broken = chunk('c.ts', 1, 'x', [1, 0, 0]);
    (broken as { content: unknown }).content = null;
    const err = await store.writeFiles([file('c.ts', [broken])]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Database.SqliteError);
    expect((err as { code: string }).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(store.stats()).toMatchObject({ transactions: 0, thread_transactions: 0 });
  });
});

describe('EmbeddedStore: a full disk met on the write thread', () => {
  it('is the same one line as on the calling thread, with its exit code; nothing is recorded', async () => {
    const store = await openedWith(fixture('answers-disk-full.mjs'));
    const err = (await store.writeFiles([three('a.ts', 'v1')]).catch((e: unknown) => e)) as CodeweaverError;
    expect(err).toBeInstanceOf(CodeweaverError);
    expect(err.message).toMatch(/^no space left for the index at .*index\.sqlite \(disk full\) — free some disk space, or set store\.path to another disk; nothing recorded so far is lost$/);
    expect(exitCodeOf(err)).toBe(ExitCode.PartialFailure);
    await store.close();
    expect(rows(t.path).files).toEqual([]);
  });
});

describe('EmbeddedStore: the write thread script', () => {
  it('is found beside the built store, and not beside the TypeScript sources (there, writes stay here)', async () => {
    const built = await import(pathToFileURL(resolve(import.meta.dirname, '../../dist/store/embedded.js')).href);
    const fromDist = new built.EmbeddedStore({ path: join(t.dir, 'd.sqlite'), writeThread: { after: 0 } });
    const fromSrc = new EmbeddedStore({ path: join(t.dir, 's.sqlite'), writeThread: { after: 0 } });
    t.stores.push(fromDist, fromSrc);
    for (const store of [fromDist, fromSrc]) {
      await store.open(DENSE3, { rebuild: false });
      await store.writeFiles([three('a.ts', 'v1')]);
    }
    expect(fromDist.stats().thread_transactions).toBe(1);
    expect(fromSrc.stats().thread_transactions).toBe(0);
  });
});
