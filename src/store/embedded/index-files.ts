/**
 * The embedded index's files on disk: its directory (a `.codeweaver` one ignores itself in git),
 * which file is there now, and the steps that make a rebuilt file the live one durably.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative } from 'node:path';
import Database from 'better-sqlite3';

/** Which file is at `path` now (device and inode), or null when none is. */
export function fileIdentity(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}` : null;
}

/** Creates the parent directory; a `.codeweaver` directory gets a `.gitignore` of `*`. */
export function prepareDirectory(file: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  if (basename(dir) === '.codeweaver') {
    const gitignore = `${dir}/.gitignore`;
    if (!existsSync(gitignore)) writeFileSync(gitignore, '*\n');
  }
}

export function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}

/**
 * Before a rebuilt file takes the old one's name: the old index's WAL is folded into it (so a
 * reader opening it meanwhile sees it whole), then its -wal and -shm go, so that they can never
 * be applied to the new file. A damaged old index is simply replaced.
 */
export function settleOldIndex(file: string): void {
  if (existsSync(file)) {
    try {
      const old = new Database(file, { fileMustExist: true });
      try {
        old.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        old.close();
      }
    } catch {
      // damaged or not a database: it is being replaced anyway
    }
  }
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/** Makes a rename durable: the directory entry itself is flushed. */
export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported here (e.g. Windows): the rename is still atomic
  }
}

/** The path relative to the working directory when it lies inside it: shorter in messages. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
