/**
 * The dense index of the embedded store: sqlite-vec (a SQLite extension with prebuilt binaries
 * for linux/macOS/Windows on x64 and arm64) keeps one sign bit per dimension of every stored
 * vector in a `vec0` table, and a query's nearest candidates by Hamming distance are found in C;
 * their float vectors (in `chunks`) are then rescored exactly (search.ts). A scan of every float
 * vector in JavaScript is what remains where the extension cannot load.
 *
 * The table is part of the index only while `meta.vector_index` says 'bits': it is then kept in
 * the same transactions as the chunks. A writer that cannot load the extension cannot keep it,
 * so it marks it stale; the next writer that can rebuilds it from the stored vectors.
 */
import type Database from 'better-sqlite3';
import { getLoadablePath } from 'sqlite-vec';
import { recordMigration } from './migrations.js';
import { SCHEMA_VERSION } from './schema.js';

type Db = Database.Database;

/** The table of sign bits, keyed by the chunk's rowid. */
export const BITS_TABLE = 'chunk_bits';

/**
 * Loads sqlite-vec into a connection. Null when loaded; otherwise why not, in a few words (a
 * platform without a prebuilt binary, a locked-down environment, turned off).
 */
export function loadVectorExtension(db: Db, enabled: boolean): string | null {
  if (!enabled) return 'turned off by CODEWEAVER_SQLITE_VEC=off';
  try {
    db.loadExtension(getLoadablePath());
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  }
}

/** Whether vectors of this size can be kept as bits (sqlite-vec packs them 8 to a byte). */
export function bitsFit(dimensions: number | null): dimensions is number {
  return dimensions !== null && dimensions > 0 && dimensions % 8 === 0;
}

/** Whether the index's bit table is complete and kept (meta.vector_index = 'bits'). */
export function bitsReady(db: Db): boolean {
  // SELECT *: an index an older cw wrote (before v8) has no such column, and is read as it is.
  const row = db.prepare('SELECT * FROM meta WHERE id = 1').get() as { vector_index?: string | null } | undefined;
  return row?.vector_index === 'bits';
}

/**
 * At a write open: with the extension loaded, makes the bit table complete (built from the
 * stored vectors in one transaction, so an interrupted build leaves the index as it was and the
 * next open builds it again); without it, marks a table it cannot keep stale. Returns whether
 * this connection keeps the table from now on. A build from vectors already stored (an index an
 * older cw wrote, or one a writer without the extension left stale) is recorded as a migration.
 */
export function syncBits(db: Db, dimensions: number | null, loaded: boolean, now: () => string = () => new Date().toISOString()): boolean {
  if (!bitsFit(dimensions)) return false;
  const ready = bitsReady(db);
  if (!loaded) {
    if (ready) db.prepare('UPDATE meta SET vector_index = NULL WHERE id = 1').run();
    return false;
  }
  if (ready) return true;
  db.transaction(() => {
    db.exec(`DROP TABLE IF EXISTS ${BITS_TABLE}`);
    db.exec(`CREATE VIRTUAL TABLE ${BITS_TABLE} USING vec0(embedding bit[${dimensions}])`);
    const copied = db.prepare(`INSERT INTO ${BITS_TABLE} (rowid, embedding) SELECT rowid, vec_quantize_binary(vector) FROM chunks WHERE vector IS NOT NULL`).run().changes;
    if (copied > 0) recordMigration(db, { at: now(), fromSchema: SCHEMA_VERSION, toSchema: SCHEMA_VERSION, vectorsIndexed: copied });
    db.prepare("UPDATE meta SET vector_index = 'bits' WHERE id = 1").run();
  }).immediate();
  return true;
}
