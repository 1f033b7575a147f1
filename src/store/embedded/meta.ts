/** The single meta row: what the index was built with and when. */
import type Database from 'better-sqlite3';
import { IndexMismatchError } from '../../errors.js';
import { describeMeta } from '../compatibility.js';
import type { IndexMeta } from '../vector-store.js';

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

export function readMeta(db: Db): MetaRow | null {
  const row = db
    .prepare('SELECT provider, model, dimensions, created_at, last_indexed_at FROM meta WHERE id = 1')
    .get() as RawMeta | undefined;
  if (!row) return null;
  return {
    provider: row.provider,
    model: row.model,
    dimensions: row.dimensions,
    createdAt: row.created_at,
    lastIndexedAt: row.last_indexed_at,
  };
}

export function writeMeta(db: Db, meta: IndexMeta, now: string): void {
  db.prepare(
    `INSERT OR REPLACE INTO meta (id, provider, model, dimensions, created_at, last_indexed_at)
     VALUES (1, ?, ?, ?, ?, NULL)`,
  ).run(meta.provider, meta.model, meta.dimensions, now);
}


export function mismatchError(location: string, stored: IndexMeta, wanted: IndexMeta): IndexMismatchError {
  return new IndexMismatchError(
    `the index at ${location} was built with ${describeMeta(stored)}; this run uses ${describeMeta(wanted)} — rerun with --full to rebuild it (searches keep the old index until the new one is complete)`,
  );
}
