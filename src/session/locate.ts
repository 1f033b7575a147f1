import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_SEARCH_PLACES } from '../config/load.js';

/** What marks a repository root, nearest first: an index, a codeweaver config file, a git checkout. */
const MARKERS = ['.codeweaver', ...CONFIG_SEARCH_PLACES.filter((f) => f !== 'package.json'), '.git'];

/**
 * The repository a command run from `start` is about, found as git finds its work tree: the
 * nearest directory at or above `start` holding an index, a codeweaver configuration or a
 * `.git`. So `cd lib && cw search cookie` uses the index at the root instead of asking for a
 * second one in lib/. The search stops below the home directory (a stray config file there must
 * not make all of $HOME a repository); without any marker, `start` itself is the root.
 */
export function locateRepositoryRoot(start: string, home: string = os.homedir()): string {
  const from = path.resolve(start);
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (dir === home && dir !== from) break;
    if (MARKERS.some((m) => existsSync(path.join(dir, m)))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  return from;
}

/**
 * A directory no long-lived command should take for a repository: the filesystem root or the
 * home directory without any repository marker. Editors launch MCP servers with the working
 * directory `/`; indexing and watching all of it would be a disaster, not a default.
 */
export function isUnmarkedBroadRoot(dir: string, home: string = os.homedir()): boolean {
  const d = path.resolve(dir);
  if (d !== path.parse(d).root && d !== path.resolve(home)) return false;
  return !MARKERS.some((m) => existsSync(path.join(d, m)));
}

/**
 * The nearest directory above `root` (below the home directory) that holds an index of its
 * own, or null. An index there means `root` is part of a repository already indexed: a second
 * index inside it is almost always a mistake (a `cw index .` typed in a subdirectory), and a
 * search answered by such a nested index must say so.
 */
export function enclosingIndexRoot(root: string, home: string = os.homedir()): string | null {
  const stop = path.resolve(home);
  for (let dir = path.resolve(root); dir !== path.dirname(dir); ) {
    dir = path.dirname(dir);
    if (dir === stop) return null;
    if (hasOwnIndex(dir)) return dir;
  }
  return null;
}

/** Whether `root` holds an index of its own (the default location, `.codeweaver/`). */
export function hasOwnIndex(root: string): boolean {
  return existsSync(path.join(root, '.codeweaver'));
}
