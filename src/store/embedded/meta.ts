/** The single meta row: what the index was built with and when. */
import type Database from 'better-sqlite3';
import { IndexMismatchError } from '../../errors.js';
import { describeMeta } from '../compatibility.js';
import type { BuildSettings, IndexMeta } from '../vector-store.js';

type Db = Database.Database;

export interface MetaRow extends IndexMeta {
  createdAt: string;
  lastIndexedAt: string | null;
}

interface RawMeta {
  provider: string;
  model: string;
  dimensions: number | null;
  created_at: string;
  last_indexed_at: string | null;
}

/** `SELECT *`: a read-only connection to an index of an older schema (not migrated) has fewer columns. */
export function readMeta(db: Db): MetaRow | null {
  const row = db.prepare('SELECT * FROM meta WHERE id = 1').get() as (RawMeta & { build?: string | null }) | undefined;
  if (!row) return null;
  return {
    provider: row.provider,
    model: row.model,
    dimensions: row.dimensions,
    ...(row.build ? { build: parseBuild(row.build) } : {}),
    createdAt: row.created_at,
    lastIndexedAt: row.last_indexed_at,
  };
}

export function writeMeta(db: Db, meta: IndexMeta, now: string): void {
  db.prepare(
    `INSERT OR REPLACE INTO meta (id, provider, model, dimensions, created_at, last_indexed_at, build)
     VALUES (1, ?, ?, ?, ?, NULL, ?)`,
  ).run(meta.provider, meta.model, meta.dimensions, now, meta.build ? JSON.stringify(meta.build) : null);
}

/** Records the settings of this run (an index made by an older cw gains them; a changed endpoint is kept current). */
export function updateBuild(db: Db, build: BuildSettings | undefined): void {
  if (build) db.prepare('UPDATE meta SET build = ? WHERE id = 1').run(JSON.stringify(build));
}

function parseBuild(text: string): BuildSettings | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as BuildSettings) : undefined;
  } catch {
    return undefined;
  }
}


export function mismatchError(location: string, stored: IndexMeta, wanted: IndexMeta): IndexMismatchError {
  return new IndexMismatchError(
    `the index at ${location} was built with ${describeMeta(stored)}; this run uses ${describeMeta(wanted)} — rerun with --full to rebuild it (searches keep the old index until the new one is complete)`,
  );
}
