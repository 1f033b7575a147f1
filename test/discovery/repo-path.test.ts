import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath, repoPaths } from '../../src/discovery/repo-path.js';
import { UsageError } from '../../src/errors.js';

const root = path.resolve('/tmp/some-repo');

describe('repoPath', () => {
  it('makes every spelling of one path the same canonical repository-relative path', () => {
    for (const spelling of ['lib', './lib', 'lib/', './/lib//', 'lib/x/..', 'lib/./', '/lib', path.join(root, 'lib'), `${root}/lib/`]) {
      expect(repoPath(root, spelling), spelling).toBe('lib');
    }
    for (const whole of ['.', './', '', root, `${root}/`, 'lib/..']) expect(repoPath(root, whole), whole).toBe('');
    expect(repoPath(root, 'a/b/../c')).toBe('a/c');
  });

  it('refuses, with one line naming the path, anything that leaves the root', () => {
    for (const outside of ['..', '../', 'lib/../..', '../repo/lib', 'a/../../b', path.join(root, '..', 'other')]) {
      // An absolute path outside the root is read from the root, as .gitignore reads a leading slash.
      if (path.isAbsolute(outside)) {
        expect(repoPath(root, outside).startsWith('..')).toBe(false);
        continue;
      }
      expect(() => repoPath(root, outside), outside).toThrow(UsageError);
      expect(() => repoPath(root, outside, 'paths')).toThrow(/paths ".*" is outside the repository .* — give a path inside it/);
    }
    expect(() => repoPaths(root, ['lib', '..'])).toThrow(UsageError);
  });
});
