import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../../src/cli/exit-codes.js';
import { fileSystemError } from '../../src/store/embedded/damage.js';

const err = (code: string, message = `${code}: something`) => Object.assign(new Error(message), { code });

describe('fileSystemError', () => {
  it('names the file and the fix for a full disk, a read-only or forbidden location and a missing directory', () => {
    const at = '.codeweaver/index.sqlite';
    const full = fileSystemError(err('SQLITE_FULL', 'database or disk is full'), at);
    expect(full?.message).toMatch(/^no space left for the index at \.codeweaver\/index\.sqlite \(disk full\) — free some disk space, or set store\.path/);
    expect(exitCodeOf(full)).toBe(ExitCode.PartialFailure);
    expect(fileSystemError(err('ENOSPC'), at)?.message).toMatch(/^no space left/);
    const readOnly = fileSystemError(err('EROFS', "EROFS: read-only file system, open '.codeweaver/index.sqlite.lock'"), at);
    expect(readOnly?.message).toBe('cannot write the index at .codeweaver/index.sqlite: read-only file system — set store.path to a writable location, or fix the permissions');
    expect(exitCodeOf(readOnly)).toBe(ExitCode.Usage);
    expect(fileSystemError(err('SQLITE_READONLY_DIRECTORY'), at)?.message).toMatch(/permission denied — set store\.path/);
    expect(fileSystemError(err('SQLITE_CANTOPEN', 'unable to open database file'), at)?.message).toBe(
      'cannot create or open the index at .codeweaver/index.sqlite (unable to open database file) — check that its directory can be created and written, or set store.path',
    );
    expect(fileSystemError(err('SQLITE_IOERR_SHORT_READ', 'disk I/O error'), at)?.message).toMatch(/^I\/O error on the index at .* — check the disk$/);
    expect(fileSystemError(new Error('no code'), at)).toBeNull();
  });
});
