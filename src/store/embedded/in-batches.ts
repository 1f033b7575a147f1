/**
 * Looks up many keys with `IN (?, ?, …)` lists of at most BATCH keys: far fewer statement steps
 * than one query per key, and well under SQLite's bound-parameter limit. Statements are cached
 * per list length, so a call prepares at most two (full batch and remainder).
 */
import type Database from 'better-sqlite3';

const BATCH = 500;

export class InListQuery<Row> {
  private readonly byLength = new Map<number, Database.Statement>();

  /** `sql` contains the placeholder `(?)` where the IN list goes, e.g. `WHERE path IN (?)`. */
  constructor(
    private readonly db: Database.Database,
    private readonly sql: string,
  ) {}

  *rows(keys: readonly string[]): Generator<Row> {
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      // Rows of one batch are collected before yielding so no cursor stays open across a yield.
      yield* this.statement(batch.length).all(...batch) as Row[];
    }
  }

  private statement(length: number): Database.Statement {
    let stmt = this.byLength.get(length);
    if (!stmt) {
      stmt = this.db.prepare(this.sql.replace('(?)', `(${new Array(length).fill('?').join(', ')})`)).raw(true);
      this.byLength.set(length, stmt);
    }
    return stmt;
  }
}
