/**
 * Writes and deletes, each batch in ONE transaction: a file's row (with its hash) is written
 * only together with all its chunks and FTS rows, so a killed process (WAL) leaves either the
 * whole batch or none of it.
 */
import type Database from 'better-sqlite3';
import { CodeweaverError } from '../../errors.js';
import type { FileWrite, WriteResult } from '../vector-store.js';
import { FtsRows } from './fts-rows.js';
import { BITS_TABLE } from './vector-index.js';
import { ftsText } from './fts-text.js';
import { encodeVector, vectorNorm } from './vector-codec.js';

type Db = Database.Database;

export interface WriteCounters {
  transactions: number;
  rows_written: number;
  rows_deleted: number;
}

/** A chunk row as a rewrite of its file needs it. */
interface StoredRow {
  rowid: number;
  symbol: string | null;
  hasVector: boolean;
}

/** Thrown inside the transaction (so it rolls back) when a vector does not fit the index. */
export class VectorShapeError extends CodeweaverError {}

export class ChunkWriter {
  private readonly upsertChunk: Database.Statement;
  private readonly fts: FtsRows;
  private readonly bits: { insert: Database.Statement; delete: Database.Statement } | null;
  private readonly chunksOfPath: Database.Statement;
  private readonly chunkText: Database.Statement;
  private readonly deleteChunk: Database.Statement;
  private readonly upsertFile: Database.Statement;
  private readonly setStat: Database.Statement;
  private readonly upsertSkip: Database.Statement;
  private readonly deleteSkip: Database.Statement;
  private readonly skipTx: (entries: Array<{ path: string; stat: string; reason: string }>) => void;
  private readonly pruneTx: (seen: ReadonlySet<string>) => void;
  private readonly statTx: (entries: Array<{ path: string; fileHash: string; stat: string }>) => void;
  private readonly deleteFile: Database.Statement;
  private readonly touchMeta: Database.Statement;
  private readonly writeTx: (files: FileWrite[], now: string) => WriteResult;
  private readonly deleteTx: (paths: string[], now: string) => number;
  private readonly fillVector: Database.Statement;
  private readonly fillTx: (vectors: Map<string, Float32Array>) => number;

  constructor(
    db: Db,
    private readonly dimensions: number | null,
    private readonly counters: WriteCounters,
    /** Whether this connection keeps the sqlite-vec bit table (vector-index.ts syncBits). */
    keepsBits = false,
  ) {
    this.bits = keepsBits
      ? {
          insert: db.prepare(`INSERT INTO ${BITS_TABLE} (rowid, embedding) VALUES (?, vec_quantize_binary(?))`),
          delete: db.prepare(`DELETE FROM ${BITS_TABLE} WHERE rowid = ?`),
        }
      : null;
    // ON CONFLICT DO UPDATE keeps the rowid (REPLACE would allocate a new one), so the FTS row
    // keyed by that rowid is replaced in place and never duplicated.
    this.upsertChunk = db.prepare(`
      INSERT INTO chunks (id, path, start_line, end_line, language, symbol, content_hash, tokens, norm, vector, content, definitions)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET
        path = excluded.path, start_line = excluded.start_line, end_line = excluded.end_line,
        language = excluded.language, symbol = excluded.symbol, content_hash = excluded.content_hash,
        tokens = excluded.tokens, norm = excluded.norm, vector = excluded.vector, content = excluded.content,
        definitions = excluded.definitions
      RETURNING rowid`).pluck(); // positional: binding by name costs 2–5 µs more per row (bench/store-micro-bench.mjs)
    this.fts = new FtsRows(db);
    this.fillVector = db.prepare('UPDATE chunks SET norm = ?, vector = ? WHERE content_hash = ? AND vector IS NULL RETURNING rowid').pluck();
    this.fillTx = db.transaction((vectors: Map<string, Float32Array>) => {
      let filled = 0;
      for (const [hash, vector] of vectors) {
        this.checkVector(hash, vector);
        const encoded = encodeVector(vector);
        for (const rowid of this.fillVector.all(vectorNorm(vector), encoded, hash) as number[]) {
          this.bits?.insert.run(BigInt(rowid), encoded);
          filled++;
        }
      }
      this.counters.rows_written += filled * (this.bits ? 2 : 1);
      this.counters.transactions++;
      return filled;
    });
    this.chunksOfPath = db.prepare('SELECT rowid, id, symbol, vector IS NOT NULL FROM chunks WHERE path = ?').raw();
    this.chunkText = db.prepare('SELECT content FROM chunks WHERE rowid = ?').pluck();
    this.deleteChunk = db.prepare('DELETE FROM chunks WHERE rowid = ?');
    this.upsertFile = db.prepare(
      'INSERT OR REPLACE INTO files (path, file_hash, language, chunk_count, indexed_at, stat) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.deleteFile = db.prepare('DELETE FROM files WHERE path = ?');
    this.touchMeta = db.prepare('UPDATE meta SET last_indexed_at = ? WHERE id = 1');
    this.writeTx = db.transaction((files: FileWrite[], now: string) => this.writeAll(files, now));
    this.deleteTx = db.transaction((paths: string[], now: string) => this.deleteAll(paths, now));
    this.setStat = db.prepare('UPDATE files SET stat = ? WHERE path = ? AND file_hash = ?');
    this.upsertSkip = db.prepare('INSERT OR REPLACE INTO skipped (path, stat, reason) VALUES (?, ?, ?)');
    this.deleteSkip = db.prepare('DELETE FROM skipped WHERE path = ?');
    this.skipTx = db.transaction((entries: Array<{ path: string; stat: string; reason: string }>) => {
      for (const e of entries) this.upsertSkip.run(e.path, e.stat, e.reason);
    });
    const skippedPaths = db.prepare('SELECT path FROM skipped').pluck();
    this.pruneTx = db.transaction((seen: ReadonlySet<string>) => {
      for (const path of skippedPaths.all() as string[]) if (!seen.has(path)) this.deleteSkip.run(path);
    });
    this.statTx = db.transaction((entries: Array<{ path: string; fileHash: string; stat: string }>) => {
      for (const e of entries) this.setStat.run(e.stat, e.path, e.fileHash);
    });
  }

  write(files: FileWrite[], now: string): WriteResult {
    if (files.length === 0) return { chunksWritten: 0, chunksDeleted: 0 };
    const result = this.writeTx(files, now);
    this.counters.transactions++;
    return result;
  }

  /** Stat keys of files found unchanged by their hash; a file rewritten meanwhile (other hash) keeps none. */
  recordStats(entries: Array<{ path: string; fileHash: string; stat: string }>): void {
    if (entries.length === 0) return;
    this.statTx(entries);
    this.counters.transactions++;
  }

  recordSkips(entries: Array<{ path: string; stat: string; reason: string }>): void {
    if (entries.length === 0) return;
    this.skipTx(entries);
    this.counters.transactions++;
  }

  pruneSkips(seen: ReadonlySet<string>): void {
    this.pruneTx(seen);
    this.counters.transactions++;
  }

  delete(paths: string[], now: string): number {
    if (paths.length === 0) return 0;
    const removed = this.deleteTx(paths, now);
    this.counters.transactions++;
    return removed;
  }

  private writeAll(files: FileWrite[], now: string): WriteResult {
    let chunksWritten = 0;
    let chunksDeleted = 0;
    let rowsWritten = 0;
    for (const file of files) {
      const keep = new Set<string>();
      const pathTerms = ftsText(file.path); // the same for every chunk of the file
      // The file's chunks already stored, by id: an id names a path, lines and content, so a
      // chunk stored before holds the same text and needs no new FTS row unless its symbol changed.
      const stored = this.storedChunks(file.path);
      for (const chunk of file.chunks) {
        const vector = chunk.vector;
        this.checkVector(chunk.id, vector);
        const rowid = this.upsertChunk.get(
          chunk.id,
          file.path,
          chunk.startLine,
          chunk.endLine,
          chunk.language,
          chunk.symbol,
          chunk.contentHash,
          chunk.tokens,
          vector ? vectorNorm(vector) : null,
          vector ? encodeVector(vector) : null,
          chunk.content,
          chunk.definitions ? JSON.stringify(chunk.definitions) : null,
        ) as number;
        const before = stored.get(chunk.id);
        if (before === undefined) {
          this.fts.insert(rowid, { path: file.path, symbol: chunk.symbol, content: chunk.content }, pathTerms);
          // A chunk stored before has its bits already: the same text under the same model.
          if (vector && this.bits) this.bits.insert.run(BigInt(rowid), encodeVector(vector));
        } else if (vector && this.bits && !before.hasVector) {
          // Stored before without a vector (a run that left its vectors for later): its bits now.
          this.bits.insert.run(BigInt(rowid), encodeVector(vector));
        }
        if (before !== undefined && before.symbol !== chunk.symbol) {
          this.fts.delete(rowid, { path: file.path, symbol: before.symbol, content: chunk.content }, pathTerms);
          this.fts.insert(rowid, { path: file.path, symbol: chunk.symbol, content: chunk.content }, pathTerms);
        }
        keep.add(chunk.id);
        chunksWritten++;
        rowsWritten += 2;
      }
      chunksDeleted += this.removeChunks(file.path, [...stored].filter(([id]) => !keep.has(id)).map(([, c]) => c));
      this.upsertFile.run(file.path, file.fileHash, file.language, file.chunks.length, now, file.stat ?? null);
      this.deleteSkip.run(file.path); // indexable now: no longer left out
      rowsWritten++;
    }
    this.touchMeta.run(now);
    // Counted only once the transaction body succeeded; a rollback throws past this line.
    this.counters.rows_written += rowsWritten;
    this.counters.rows_deleted += chunksDeleted * 2;
    return { chunksWritten, chunksDeleted };
  }

  private deleteAll(paths: string[], now: string): number {
    let removed = 0;
    let filesRemoved = 0;
    for (const path of paths) {
      removed += this.removeChunks(path, [...this.storedChunks(path).values()]);
      filesRemoved += this.deleteFile.run(path).changes;
    }
    this.touchMeta.run(now);
    this.counters.rows_deleted += removed * 2 + filesRemoved;
    return removed;
  }

  /** The chunks of `path` in the index, by id. */
  private storedChunks(path: string): Map<string, StoredRow> {
    const rows = this.chunksOfPath.all(path) as [number, string, string | null, number][];
    return new Map(rows.map(([rowid, id, symbol, hasVector]) => [id, { rowid, symbol, hasVector: hasVector === 1 }]));
  }

  /** Deletes chunks of `path` and their FTS rows (with the values they were inserted from). */
  private removeChunks(path: string, chunks: StoredRow[]): number {
    if (chunks.length === 0) return 0;
    const pathTerms = ftsText(path);
    for (const { rowid, symbol } of chunks) {
      this.fts.delete(rowid, { path, symbol, content: this.chunkText.get(rowid) as string }, pathTerms);
      this.bits?.delete.run(BigInt(rowid));
      this.deleteChunk.run(rowid);
    }
    return chunks.length;
  }

  /**
   * Vectors, by content hash, for the chunks stored without one (a run that left its vectors for
   * later): every such chunk of each hash gets it, and its sqlite-vec bits, in one transaction.
   * Resolves with the chunks filled.
   */
  fill(vectors: Map<string, Float32Array>): number {
    return this.fillTx(vectors);
  }

  private checkVector(id: string, vector: Float32Array | null): void {
    const expected = this.dimensions;
    const actual = vector ? vector.length : null;
    if (actual === expected || (vector === null && expected !== null)) return;
    throw new VectorShapeError(
      `chunk ${id} has ${actual === null ? 'no vector' : `a ${actual}-dim vector`} but the index holds ${expected === null ? 'no vectors' : `${expected}-dim vectors`}`,
    );
  }
}
