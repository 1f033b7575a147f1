import Database from 'better-sqlite3';

export interface IndexSnapshot {
  /** path → file hash */
  files: Record<string, string>;
  /** sorted "path:start-end:contentHash" of every chunk */
  chunks: string[];
  /** chunk ids, to spot duplicates */
  ids: string[];
  ftsRows: number;
  /**
   * The FTS table's document count and total length per column (its 'averages' record), which
   * BM25 reads: an index updated in place must hold the same statistics as a clean build.
   */
  ftsTotals: string;
  vectors: number;
  /**
   * Rows of the sqlite-vec bit table (read from its plain `_rowids` shadow table, so no extension
   * is needed here): one per stored vector where the index keeps the table, else -1.
   */
  bitRows: number;
}

/** Everything an embedded index holds that a rerun must reproduce, read straight from SQLite. */
export function snapshotEmbeddedIndex(dbPath: string): IndexSnapshot {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const files = Object.fromEntries(
      (db.prepare('SELECT path, file_hash FROM files ORDER BY path').all() as Array<{ path: string; file_hash: string }>).map((r) => [
        r.path,
        r.file_hash,
      ]),
    );
    const rows = db.prepare('SELECT id, path, start_line, end_line, content_hash, vector IS NOT NULL AS has_vector FROM chunks').all() as Array<{
      id: string;
      path: string;
      start_line: number;
      end_line: number;
      content_hash: string;
      has_vector: number;
    }>;
    const ftsTable = (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%fts5%'").get() as { name: string } | undefined)?.name;
    const ftsRows = ftsTable ? (db.prepare(`SELECT count(*) AS n FROM "${ftsTable}"`).get() as { n: number }).n : -1;
    const averages = ftsTable ? (db.prepare(`SELECT block FROM "${ftsTable}_data" WHERE id = 1`).get() as { block: Buffer } | undefined) : undefined;
    return {
      files,
      chunks: rows.map((r) => `${r.path}:${r.start_line}-${r.end_line}:${r.content_hash}`).sort(),
      ids: rows.map((r) => r.id).sort(),
      ftsRows,
      ftsTotals: averages ? averages.block.toString('hex') : '',
      bitRows: bitRowsOf(db),
      vectors: rows.filter((r) => r.has_vector).length,
    };
  } finally {
    db.close();
  }
}

function bitRowsOf(db: Database.Database): number {
  const kept = (db.prepare('SELECT * FROM meta WHERE id = 1').get() as { vector_index?: string | null } | undefined)?.vector_index === 'bits';
  return kept ? (db.prepare('SELECT count(*) AS n FROM chunk_bits_rowids').get() as { n: number }).n : -1;
}
