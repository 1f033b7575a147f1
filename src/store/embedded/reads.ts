/**
 * What the embedded store reads, as queries over one connection: recorded hashes and stat data,
 * reusable vectors, a dry run's figures, the recorded paths, the counts of `cw status`. The
 * IN-list statements are kept for the connection: a rerun asks once per hundred files, a dense
 * run once per batch, and preparing them each time cost a fifth of a no-change run's store time.
 */
import type Database from 'better-sqlite3';
import type { FileWrite, RecordedStat, WriteResult } from '../vector-store.js';
import { InListQuery } from './in-batches.js';
import { decodeVector } from './vector-codec.js';

type Db = Database.Database;

/** Paths per page of `paths`: bounded memory, and no cursor held while the caller works. */
const LIST_PAGE = 1000;

export class IndexReads {
  private readonly queries = new Map<string, InListQuery<unknown>>();

  constructor(readonly db: Db) {}

  hashes(paths: string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const [path, hash] of this.inList<[string, string]>('SELECT path, file_hash FROM files WHERE path IN (?)').rows(paths)) out.set(path, hash);
    return out;
  }

  /** Stat data of indexed files, then of files left out for their content. */
  stats(paths: string[]): Map<string, RecordedStat> {
    const out = new Map<string, RecordedStat>();
    if (paths.length === 0) return out;
    for (const [path, stat] of this.inList<[string, string | null]>('SELECT path, stat FROM files WHERE path IN (?)').rows(paths)) {
      if (stat !== null) out.set(path, { stat, skipped: null });
    }
    if (out.size < paths.length) {
      const skips = this.inList<[string, string, string]>('SELECT path, stat, reason FROM skipped WHERE path IN (?)');
      for (const [path, stat, reason] of skips.rows(paths.filter((p) => !out.has(p)))) out.set(path, { stat, skipped: reason });
    }
    return out;
  }

  reusableVectors(contentHashes: string[]): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    const query = this.inList<[string, Buffer]>('SELECT content_hash, vector FROM chunks WHERE content_hash IN (?) AND vector IS NOT NULL');
    for (const [hash, blob] of query.rows([...new Set(contentHashes)])) {
      if (!out.has(hash)) out.set(hash, decodeVector(blob));
    }
    return out;
  }

  /** What writing these files would report: their chunks written, the recorded ones they drop. */
  planWrite(files: FileWrite[]): WriteResult {
    const chunksWritten = files.reduce((n, f) => n + f.chunks.length, 0);
    const keep = new Set(files.flatMap((f) => f.chunks.map((c) => c.id)));
    let chunksDeleted = 0;
    for (const [id] of this.inList<[string]>('SELECT id FROM chunks WHERE path IN (?)').rows(files.map((f) => f.path))) if (!keep.has(id)) chunksDeleted++;
    return { chunksWritten, chunksDeleted };
  }

  countChunks(paths: string[]): number {
    let n = 0;
    for (const [count] of this.inList<[number]>('SELECT count(*) FROM chunks WHERE path IN (?)').rows(paths)) n += count;
    return n;
  }

  /** Every recorded path at or below `under` (all with none), in keyset pages. */
  *paths(under?: readonly string[]): Iterable<string> {
    const page = this.db.prepare('SELECT path FROM files WHERE path >= ? AND path < ? ORDER BY path LIMIT ?').pluck();
    // A path and everything below it lie in [p, p + '0'): '0' follows '/' (a few siblings such as
    // "p-old" lie there too; the caller's scope decides). U+FFFF is above every path.
    const ranges: Array<[string, string]> = !under || under.includes('') ? [['', '\uffff']] : under.map((p) => [p, `${p}0`]);
    for (const [low, high] of ranges) {
      let from = low;
      for (;;) {
        // Keyset pages rather than one long iterate(): the caller may delete files between yields,
        // and SQLite refuses writes while a cursor on the same connection is open.
        const paths = page.all(from, high, LIST_PAGE) as string[];
        yield* paths;
        if (paths.length < LIST_PAGE) break;
        from = `${paths[paths.length - 1]}\0`;
      }
    }
  }

  /** Files, chunks and (unless the index is lexical) vectors. */
  counts(lexical: boolean): { files: number; chunks: number; vectors: number } {
    const count = (sql: string): number => this.db.prepare(sql).pluck().get() as number;
    return {
      files: count('SELECT count(*) FROM files'),
      chunks: count('SELECT count(*) FROM chunks'),
      // Counting vectors reads every row (no index covers them: ~50 ms of a 230 MB index). An
      // index whose model has no dimensions (lexical) is never written a vector.
      vectors: lexical ? 0 : count('SELECT count(*) FROM chunks WHERE vector IS NOT NULL'),
    };
  }

  /** Files per language, most first. */
  languages(): Record<string, number> {
    const rows = this.db.prepare('SELECT language, count(*) AS n FROM files GROUP BY language ORDER BY n DESC, language').raw().all() as Array<[string, number]>;
    return Object.fromEntries(rows);
  }

  private inList<Row>(sql: string): InListQuery<Row> {
    let query = this.queries.get(sql);
    if (!query) {
      query = new InListQuery<unknown>(this.db, sql);
      this.queries.set(sql, query);
    }
    return query as InListQuery<Row>;
  }
}
