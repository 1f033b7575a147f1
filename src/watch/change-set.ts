import { outermostPaths } from '../discovery/walk.js';

/** Files whose change alters which files are in scope below their directory. */
const RULE_FILES = new Set(['.gitignore', '.cwignore']);

/**
 * Files inside .git whose change asks for a look at the whole tree: ignore rules for all of it,
 * and HEAD, which a checkout, rebase or reset rewrites after changing any number of files. Such
 * a burst can outrun the backend's event queue (inotify's holds 16,384 by default and drops the
 * rest silently): a walk of the whole tree, cheap where nothing changed (the stat data), makes
 * the index converge whatever was missed.
 */
export const TREE_WIDE_FILES: ReadonlySet<string> = new Set(['.git/info/exclude', '.git/HEAD']);

/**
 * Most paths one batch names before they are collapsed into their parent directories: a
 * checkout of another branch touching 20,000 files becomes one run over a few directories,
 * not a list of 20,000 paths (each walked, and each a range the store is asked about).
 */
export const MAX_BATCH_PATHS = 1000;

/**
 * The paths changed since the last batch, coalesced: each path once, whatever happened to it
 * (created, edited, renamed away, deleted — the run finds out what is there now).
 */
export class ChangeSet {
  private readonly paths = new Set<string>();

  get size(): number {
    return this.paths.size;
  }

  /**
   * Records a changed path as what a run must look at: an ignore file stands for its whole
   * directory (its rules changed for everything below), TREE_WIDE_FILES for the whole tree.
   */
  add(path: string): void {
    if (TREE_WIDE_FILES.has(path)) {
      this.paths.add('');
      return;
    }
    const cut = path.lastIndexOf('/');
    this.paths.add(RULE_FILES.has(path.slice(cut + 1)) ? (cut < 0 ? '' : path.slice(0, cut)) : path);
  }

  /** Empties the set into the paths for one run: outermost ones only, at most `limit` of them. */
  take(limit = MAX_BATCH_PATHS): string[] {
    let paths = outermostPaths(this.paths);
    this.paths.clear();
    // The deepest paths give way to their parents first, until few enough are left.
    while (paths.length > limit) {
      const deepest = Math.max(...paths.map(depth));
      paths = outermostPaths(paths.map((p) => (depth(p) === deepest ? parent(p) : p)));
    }
    return paths;
  }
}

function depth(path: string): number {
  if (path === '') return 0;
  let n = 1;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) n++;
  return n;
}

function parent(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? '' : path.slice(0, cut);
}
