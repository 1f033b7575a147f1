/**
 * What the embedded store's main thread and its write thread say to each other, and how an
 * error crosses between them: a structured clone keeps only an Error's message, so the name and
 * SQLite's code travel as fields and the error is made again on the other side, where the
 * store's own mapping (damage.ts: disk full, read-only, corrupt…) reads them as before.
 */
import Database from 'better-sqlite3';
import type { FileWrite } from '../vector-store.js';
import { VectorShapeError } from './writer.js';

export interface WriteThreadData {
  file: string;
  dimensions: number | null;
  /** Whether the writer keeps the sqlite-vec bit table (the thread loads the extension too). */
  bits: boolean;
}

/** One ChunkWriter call. */
export type WriteOp =
  | { op: 'write'; files: FileWrite[]; now: string }
  | { op: 'delete'; paths: string[]; now: string }
  | { op: 'recordStats'; entries: Array<{ path: string; fileHash: string; stat: string }> }
  | { op: 'recordSkips'; entries: Array<{ path: string; stat: string; reason: string }> }
  | { op: 'pruneSkips'; seen: ReadonlySet<string> };

export type WriteRequest = WriteOp & { id: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export function serializeError(err: unknown): SerializedError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

export function deserializeError(e: SerializedError): Error {
  if (e.name === 'SqliteError' && e.code) return new Database.SqliteError(e.message, e.code);
  if (e.name === 'VectorShapeError') return new VectorShapeError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code) (err as Error & { code?: string }).code = e.code;
  return err;
}
