/**
 * The embedded index's on-disk layout, versioned with PRAGMA user_version. Each migration takes
 * the database from version i to i + 1 and runs in the same transaction as the version bump, so
 * a file is always at exactly one version.
 */
import type Database from 'better-sqlite3';
import { IndexMismatchError } from '../../errors.js';
import { createFtsTable, FtsRows } from './fts-rows.js';
import { MIGRATIONS_TABLE_SQL, recordMigration } from './migrations.js';

type Db = Database.Database;

/**
 * Column order matters for the dense scan: the small columns, norm and vector come before
 * `content`, so reading a vector never walks a long chunk text's overflow pages.
 * FTS: contentless (the chunk text lives once, in `chunks`); `_` and `$` are token characters
 * because codeTerms keeps `parse_v2` as one term next to its parts. Since v6 a row is deleted with
 * FTS5's 'delete' command and the values it was inserted with (fts-rows.ts), which keeps the
 * table's BM25 statistics exact; v1–v5 used contentless_delete, whose deletes leave the deleted
 * rows in the document count and total length (see v6).
 */
const MIGRATIONS: ((db: Db) => void)[] = [
  (db) =>
    db.exec(`
      CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        dimensions INTEGER,
        created_at TEXT NOT NULL,
        last_indexed_at TEXT
      );
      CREATE TABLE files (
        path TEXT PRIMARY KEY,
        file_hash TEXT NOT NULL,
        language TEXT NOT NULL,
        chunk_count INTEGER NOT NULL,
        indexed_at TEXT NOT NULL
      );
      CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        language TEXT NOT NULL,
        symbol TEXT,
        content_hash TEXT NOT NULL,
        tokens INTEGER NOT NULL,
        norm REAL,
        vector BLOB,
        content TEXT NOT NULL
      );
      CREATE INDEX chunks_path ON chunks(path);
      CREATE INDEX chunks_content_hash ON chunks(content_hash);
      CREATE VIRTUAL TABLE chunks_fts USING fts5(
        terms, symbol, path,
        content='', contentless_delete=1,
        tokenize="unicode61 tokenchars '_$'"
      );
    `), // replaced by v6
  // v2: when SQLite's own integrity check last passed (it reads every page, so it is spaced out).
  (db) => db.exec('ALTER TABLE meta ADD COLUMN last_checked_at TEXT'),
  // v3: the settings the index was built with (JSON), so that searches need no flags.
  (db) => db.exec('ALTER TABLE meta ADD COLUMN build TEXT'),
  // v4: each file's stat data when recorded (discovery/stat-data.ts): a rerun skips reading it.
  (db) => db.exec('ALTER TABLE files ADD COLUMN stat TEXT'),
  // v5: files left out for their content (binary, minified, …) with their stat data: not read again while unchanged.
  (db) => db.exec('CREATE TABLE skipped (path TEXT PRIMARY KEY, stat TEXT NOT NULL, reason TEXT NOT NULL)'),
  // v6: a contentless_delete table never takes a deleted row out of the document count and total
  // length BM25 reads (its values are not known at delete time): every rewrite of a file skewed
  // the scores, so an index updated in place ranked differently from a clean one (SWE-bench dev
  // split: the changed file moved from 4th to 8th on one pytest issue after one rewrite of every
  // file). Rebuilt from the chunks as a plain contentless table, whose deletes are exact.
  (db) => rebuildFts(db),
  // v7: the definitions a chunk merged from small neighbours holds (JSON), so a hit is labelled
  // with the one its best line is in. null for chunks written before (and for most chunks).
  (db) => db.exec('ALTER TABLE chunks ADD COLUMN definitions TEXT'),
  // v8: whether the sqlite-vec bit table (vector-index.ts) is complete and kept: 'bits', or null.
  (db) => db.exec('ALTER TABLE meta ADD COLUMN vector_index TEXT'),
  // v9: the migrations the index went through (migrations.ts), for `cw status`.
  (db) => db.exec(MIGRATIONS_TABLE_SQL),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The FTS table made again from the chunks: what was inserted for each chunk is a function of
 * its stored text, symbol and path (fts-rows.ts), so the rebuilt table equals a clean build's.
 * Also the way to take a change of the terms (codeTerms): a migration that calls this.
 */
export function rebuildFts(db: Db): void {
  db.exec('DROP TABLE IF EXISTS chunks_fts');
  createFtsTable(db);
  const fts = new FtsRows(db);
  // In pages by rowid: a statement cannot write while another is still iterating.
  const page = db.prepare('SELECT rowid, path, symbol, content FROM chunks WHERE rowid > ? ORDER BY rowid LIMIT 2000').raw();
  let after = 0;
  for (;;) {
    const batch = page.all(after) as Array<[number, string, string | null, string]>;
    if (batch.length === 0) break;
    for (const [rowid, path, symbol, content] of batch) fts.insert(rowid, { path, symbol, content });
    after = batch[batch.length - 1]![0];
  }
}

/** Pragmas for a connection that writes: WAL for crash safety and concurrent readers. */
export function applyWritePragmas(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -32768'); // 32 MiB of page cache
  // No mmap while indexing: mapped pages of a growing file count as resident memory, so RSS
  // would grow with the repository; writes gain nothing from it.
  db.pragma('mmap_size = 0');
  db.pragma('busy_timeout = 5000');
}

export function applyReadPragmas(db: Db): void {
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 268435456');
  db.pragma('busy_timeout = 5000');
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema to SCHEMA_VERSION; refuses a file written by a newer codeweaver. An upgrade
 * of an existing index (not the creation of a new one) is recorded with the upgrade.
 */
export function migrate(db: Db, location: string, now: () => string = () => new Date().toISOString()): void {
  const current = schemaVersion(db);
  assertKnownVersion(current, location);
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) MIGRATIONS[v](db);
    if (current > 0) recordMigration(db, { at: now(), fromSchema: current, toSchema: SCHEMA_VERSION, vectorsIndexed: null });
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

export function assertKnownVersion(version: number, location: string): void {
  if (version > SCHEMA_VERSION) {
    throw new IndexMismatchError(
      `the index at ${location} has schema version ${version}, newer than this cw understands (${SCHEMA_VERSION}) — upgrade cw or rerun with --full to rebuild it`,
    );
  }
}
