/** A chunk as searches and lookups read it back, and the one place that knows its columns' history. */
import type Database from 'better-sqlite3';

export interface ChunkRow {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  definitions: string | null;
  language: string;
  content: string;
}

/**
 * The `definitions` column as a select expression: the column (schema v7), or NULL for an index an
 * older cw wrote, which a reader reads as it is until the next `cw index` migrates it.
 */
export function definitionsColumn(db: Database.Database): string {
  const has = db.prepare("SELECT 1 FROM pragma_table_info('chunks') WHERE name = 'definitions'").get() !== undefined;
  return has ? 'definitions' : 'NULL AS definitions';
}
