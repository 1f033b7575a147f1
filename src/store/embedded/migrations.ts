/**
 * What the index records of its own migrations (schema v9): a schema upgrade by a newer cw, and
 * the dense index (sqlite-vec bits) built from vectors already stored. `cw status` shows them, so
 * a user who sees a first run take longer, or an index change engine, knows why.
 */
import type Database from 'better-sqlite3';

type Db = Database.Database;

export interface MigrationRecord {
  at: string;
  fromSchema: number;
  toSchema: number;
  /** Stored vectors copied into a newly built dense index (none embedded again); null for a schema-only step. */
  vectorsIndexed: number | null;
}

export const MIGRATIONS_TABLE_SQL = 'CREATE TABLE migrations (at TEXT NOT NULL, from_schema INTEGER NOT NULL, to_schema INTEGER NOT NULL, vectors_indexed INTEGER)';

/** Records a migration, in the caller's transaction (so it is recorded exactly when it happened). */
export function recordMigration(db: Db, record: MigrationRecord): void {
  db.prepare('INSERT INTO migrations (at, from_schema, to_schema, vectors_indexed) VALUES (?, ?, ?, ?)').run(
    record.at,
    record.fromSchema,
    record.toSchema,
    record.vectorsIndexed,
  );
}

/** The latest migrations, newest first; none for an index older than v9 (read as it is). */
export function readMigrations(db: Db, limit = 5): MigrationRecord[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
  if (!exists) return [];
  const rows = db.prepare('SELECT at, from_schema, to_schema, vectors_indexed FROM migrations ORDER BY rowid DESC LIMIT ?').all(limit) as Array<{
    at: string;
    from_schema: number;
    to_schema: number;
    vectors_indexed: number | null;
  }>;
  return rows.map((r) => ({ at: r.at, fromSchema: r.from_schema, toSchema: r.to_schema, vectorsIndexed: r.vectors_indexed }));
}
