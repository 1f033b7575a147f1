/**
 * What goes wrong with the index file itself — damage, a full disk, a read-only or missing
 * directory — as one line naming the file and the fix, instead of SQLite's or the OS's words.
 */
import Database from 'better-sqlite3';
import { CodeweaverError, IndexMismatchError } from '../../errors.js';

/**
 * `PRAGMA quick_check` reads every page (measured: 370 ms for a 51 MB index on 2 cores), too
 * slow for every rerun of a large index. A writing run checks the whole index when the last
 * passed check is older than this (and on the first reopen after it was created); any read of
 * a damaged page in between reports SQLITE_CORRUPT, which is caught everywhere.
 */
export const QUICK_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** The index file is damaged: nothing it says can be trusted, and only a rebuild repairs it. */
export class IndexCorruptError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'index_corrupt', options);
  }
}

export function corruptIndexError(location: string, detail: string): IndexCorruptError {
  // quick_check's report starts with a banner line ("*** in database main ***").
  const first = detail.split('\n').find((l) => l.trim() && !/^\*\*\*.*\*\*\*$/.test(l.trim())) ?? 'integrity check failed';
  return new IndexCorruptError(`the index at ${location} is damaged (${first.trim()}) — rebuild it with cw index --full, which replaces the file`);
}

export function isCorrupt(err: unknown): boolean {
  return err instanceof Database.SqliteError && (err.code === 'SQLITE_CORRUPT' || err.code.startsWith('SQLITE_CORRUPT_'));
}

/** A file-system or SQLite I/O error as a one-line CodeweaverError, or null when it is none of those. */
export function fileSystemError(err: unknown, location: string): CodeweaverError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  const fix = 'set store.path to a writable location, or fix the permissions';
  switch (code) {
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return new CodeweaverError(
        `no space left for the index at ${location} (disk full) — free some disk space, or set store.path to another disk; nothing recorded so far is lost`,
        'storage',
        { cause: err },
      );
    case 'EROFS':
      return new CodeweaverError(`cannot write the index at ${location}: read-only file system — ${fix}`, 'index_location', { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
      return new CodeweaverError(`cannot write the index at ${location}: permission denied — ${fix}`, 'index_location', { cause: err });
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EEXIST': // mkdir of the index directory where a file of that name stands
    case 'SQLITE_CANTOPEN':
      return new CodeweaverError(
        `cannot create or open the index at ${location} (${(err as Error).message.split('\n')[0]}) — check that its directory can be created and written, or set store.path`,
        'index_location',
        { cause: err },
      );
    case 'SQLITE_IOERR':
      return new CodeweaverError(`I/O error on the index at ${location} (${(err as Error).message}) — check the disk`, 'storage', {
        cause: err,
      });
    default:
      if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
        return fileSystemError({ ...(err as object), code: code.replace(/_[A-Z]+$/, ''), message: (err as Error).message }, location);
      }
      return null;
  }
}

/** One line naming the file and the fix, for whatever SQLite and the file system say of the index. */
export function explainIndexError(err: unknown, location: string): unknown {
  if (err instanceof CodeweaverError) return err;
  if (isNotADatabase(err) && !isCorrupt(err)) {
    return new IndexMismatchError(`the file at ${location} is not a codeweaver index — rerun with --full to replace it`, { cause: err });
  }
  if (isCorrupt(err)) return corruptIndexError(location, (err as Error).message);
  return fileSystemError(err, location) ?? err;
}

export function isHotJournal(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code === 'SQLITE_READONLY_ROLLBACK';
}

export function isNotADatabase(err: unknown): boolean {
  return err instanceof Database.SqliteError && (err.code === 'SQLITE_NOTADB' || err.code === 'SQLITE_CORRUPT');
}
