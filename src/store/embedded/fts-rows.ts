/**
 * The FTS row of a chunk, and the one place it is written or deleted. The table is contentless
 * (the text lives once, in `chunks`), so FTS5 cannot know a row's words when it is deleted: a
 * delete passes the values the row was inserted with, which are a function of the chunk's
 * stored text, symbol and path. Deleting with other values would corrupt the table, so both
 * directions go through `FtsRows`, and a change to what a row holds (ftsText, codeTerms) must
 * come with a schema migration that rebuilds the table (schema.ts, rebuildFts).
 */
import type Database from 'better-sqlite3';
import { ftsText } from './fts-text.js';

type Db = Database.Database;

/** What a chunk's FTS row is made of. */
export interface FtsSource {
  path: string;
  symbol: string | null;
  content: string;
}

export function createFtsTable(db: Db): void {
  db.exec(`CREATE VIRTUAL TABLE chunks_fts USING fts5(
    terms, symbol, path,
    content='',
    tokenize="unicode61 tokenchars '_$'"
  )`);
}

export class FtsRows {
  private readonly insertRow: Database.Statement;
  private readonly deleteRow: Database.Statement;

  constructor(db: Db) {
    this.insertRow = db.prepare('INSERT INTO chunks_fts (rowid, terms, symbol, path) VALUES (?, ?, ?, ?)');
    this.deleteRow = db.prepare("INSERT INTO chunks_fts (chunks_fts, rowid, terms, symbol, path) VALUES ('delete', ?, ?, ?, ?)");
  }

  /** Adds the row of a chunk; `pathTerms` is ftsText(chunk.path), passed when known (the same for a file's chunks). */
  insert(rowid: number, chunk: FtsSource, pathTerms = ftsText(chunk.path)): void {
    this.insertRow.run(rowid, ftsText(chunk.content), ftsText(chunk.symbol), pathTerms);
  }

  /** Removes the row of a chunk, given what it was inserted from: the document count and lengths BM25 reads stay exact. */
  delete(rowid: number, chunk: FtsSource, pathTerms = ftsText(chunk.path)): void {
    this.deleteRow.run(rowid, ftsText(chunk.content), ftsText(chunk.symbol), pathTerms);
  }
}
