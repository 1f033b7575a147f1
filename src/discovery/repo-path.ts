/**
 * The one place a path from outside (a CLI flag, an MCP argument, a watcher's event) becomes a
 * repository-relative path: canonical (forward slashes, no `.` or `..` parts, no leading or
 * trailing slash; '' is the whole tree) and confined to the root. Everything below works on
 * these only, so `./lib`, `lib/` and `lib/x/..` are one path and never a second copy of the same
 * files, and nothing outside the root is opened because a path climbed out of it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/**
 * `given` relative to the root (or absolute, when it lies inside the root), as the canonical
 * repository-relative path. A path that leaves the root is refused with one line; nothing has
 * been opened by then. `what` names the argument in that line (`--under`, `paths`).
 */
export function repoPath(root: string, given: string, what = 'path'): string {
  // On Windows a backslash separates; elsewhere it is a legal character of a name.
  const slashed = path.sep === '\\' ? given.replace(/\\/g, '/') : given;
  const absRoot = path.resolve(root);
  // An absolute path inside the root is taken relative to it; any other leading slash means the
  // repository's root, as in .gitignore (and as `--under /src` always meant).
  const inside = path.isAbsolute(slashed) ? path.relative(absRoot, path.resolve(slashed)) : null;
  const rel = inside !== null && !inside.startsWith('..') && !path.isAbsolute(inside) ? inside.split(path.sep).join('/') : slashed.replace(/^\/+/, '');
  const normal = path.posix.normalize(rel === '' ? '.' : rel).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (normal === '.' || normal === '') return '';
  if (normal === '..' || normal.startsWith('../') || path.posix.isAbsolute(normal) || path.isAbsolute(normal)) {
    throw new UsageError(`${what} "${given}" is outside the repository (${absRoot}) — give a path inside it, relative to its root`);
  }
  return normal;
}

/** Each of `given` made canonical with repoPath; the first that leaves the root refuses them all. */
export function repoPaths(root: string, given: readonly string[], what = 'paths'): string[] {
  return given.map((p) => repoPath(root, p, what));
}

/**
 * A filter's directory or file (`--under`, MCP `path`) as repoPath makes it, which must exist: a
 * filter that can match nothing is a mistake to name, not an empty answer.
 */
export function filterPath(root: string, given: string, what = 'path'): string {
  const rel = repoPath(root, given, what);
  if (rel && !existsSync(path.join(root, rel))) {
    throw new UsageError(`no file or directory "${rel}" in the repository — give a path relative to its root (${path.resolve(root)})`);
  }
  return rel;
}
