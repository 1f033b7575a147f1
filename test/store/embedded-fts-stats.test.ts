// The FTS table's statistics (document count, total length per column: what BM25 ranks with)
// after files are rewritten and deleted in place equal a clean build's, and an index written by
// v1–v5 (contentless_delete, whose deletes left them skewed) is rebuilt exact on its first write.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { chunk, file, LEXICAL, tempIndex } from './embedded-fixtures.js';

let t: ReturnType<typeof tempIndex>;
let clean: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
  clean = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
  await clean.cleanup();
});

const first = [
  file('src/a.py', [chunk('src/a.py', 1, 'def parse_header(value):\n    return value.split(";")', null, 'parse_header'), chunk('src/a.py', 3, 'def other():\n    pass', null, 'other')]),
  file('src/b.py', [chunk('src/b.py', 1, 'class Session:\n    def send(self, request):\n        return request', null, 'Session')]),
  file('src/c.py', [chunk('src/c.py', 1, 'TIMEOUT = 30  # seconds before the pool gives up', null, null)]),
];
// a.py: one chunk kept, one replaced; b.py: the same text under another symbol; c.py: deleted.
const rewrite = [
  file('src/a.py', [chunk('src/a.py', 1, 'def parse_header(value):\n    return value.split(";")', null, 'parse_header'), chunk('src/a.py', 3, 'def another_one(x, y):\n    return x + y + y', null, 'another_one')]),
  file('src/b.py', [chunk('src/b.py', 1, 'class Session:\n    def send(self, request):\n        return request', null, 'Session.send')]),
];

describe('EmbeddedStore: BM25 statistics', () => {
  it('after rewrites and deletes in place equal those of a clean build of the same files', async () => {
    const store = t.make();
    await store.open(LEXICAL, { rebuild: false });
    await store.writeFiles(first);
    await store.writeFiles(rewrite);
    await store.deleteFiles(['src/c.py']);
    await store.close();

    const fresh = clean.make();
    await fresh.open(LEXICAL, { rebuild: false });
    await fresh.writeFiles(rewrite);
    await fresh.close();

    const updated = snapshotEmbeddedIndex(t.path);
    const built = snapshotEmbeddedIndex(clean.path);
    expect(updated.ftsTotals).not.toBe('');
    expect(updated).toEqual(built);
    // And they rank alike: the same scores for a query.
    const again = t.make();
    const cleanAgain = clean.make();
    await again.openReadOnly();
    await cleanAgain.openReadOnly();
    const query = { text: 'session send request parse header', vector: null, limit: 5 };
    expect(await again.search(query)).toEqual(await cleanAgain.search(query));
  });

  it('of an index written with contentless_delete (schema v5) are rebuilt exact on the next write', async () => {
    const store = t.make();
    await store.open(LEXICAL, { rebuild: false });
    await store.writeFiles(rewrite);
    await store.close();
    // What v5 left: the same rows in a contentless_delete table whose totals still count rows
    // deleted long ago.
    const db = new Database(t.path);
    db.exec(`DROP TABLE chunks_fts;
      CREATE VIRTUAL TABLE chunks_fts USING fts5(terms, symbol, path, content='', contentless_delete=1, tokenize="unicode61 tokenchars '_$'");`);
    const { ftsText } = await import('../../src/store/embedded/fts-text.js');
    const insert = db.prepare('INSERT INTO chunks_fts (rowid, terms, symbol, path) VALUES (?, ?, ?, ?)');
    for (const r of db.prepare('SELECT rowid, path, symbol, content FROM chunks').all() as Array<{ rowid: number; path: string; symbol: string | null; content: string }>) {
      insert.run(r.rowid + 1000, 'stale words of a deleted chunk', null, 'old/path.py');
      db.prepare('DELETE FROM chunks_fts WHERE rowid = ?').run(r.rowid + 1000);
      insert.run(r.rowid, ftsText(r.content), ftsText(r.symbol), ftsText(r.path));
    }
    db.exec('ALTER TABLE chunks DROP COLUMN definitions'); // added by v7
    db.exec('ALTER TABLE meta DROP COLUMN vector_index'); // added by v8
    db.exec('DROP TABLE migrations'); // added by v9
    db.pragma('user_version = 5');
    db.close();
    const skewed = snapshotEmbeddedIndex(t.path);

    const fresh = clean.make();
    await fresh.open(LEXICAL, { rebuild: false });
    await fresh.writeFiles(rewrite);
    await fresh.close();
    const built = snapshotEmbeddedIndex(clean.path);
    expect(skewed.ftsTotals).not.toBe(built.ftsTotals);

    const reopened = t.make();
    await reopened.open(LEXICAL, { rebuild: false });
    await reopened.close();
    expect(snapshotEmbeddedIndex(t.path)).toEqual(built);
  });
});
