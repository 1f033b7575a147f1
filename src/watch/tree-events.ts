import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { mayBeLossy } from '../discovery/fs-names.js';
import watcher from '@parcel/watcher';
import { DEFAULT_EXCLUDED_DIRS } from '../discovery/default-rules.js';
import { CodeweaverError} from '../errors.js';

/**
 * File events under a directory, from @parcel/watcher (inotify, FSEvents, ReadDirectoryChangesW),
 * as repository-relative paths.
 *
 * One gap of the Linux backend is closed here: a directory created with its subdirectories at
 * once (`mkdir -p a/b/c`, a checkout, an unpacked archive) is watched only at its top, so later
 * changes deeper down would go unseen (parcel-bundler/watcher#97, open since 2022). Each such
 * directory gets a subscription of its own, which watches its whole subtree; past
 * `MAX_PATCHES` of them, the root subscription is renewed instead and `onReset` asks for a
 * walk of the whole tree (changes during the renewal are not lost, only not pinpointed).
 */
export interface TreeEventsOptions {
  /** Changed paths, repository-relative, forward slashes. */
  onPaths(paths: string[]): void;
  /** The watch was renewed: changes may have been missed, so the whole tree should be looked at. */
  onReset(): void;
  /** The watch failed (e.g. the system's limit of watches is reached). */
  onError(error: Error): void;
  /** Absolute paths whose events are dropped (the index file and its companions, when inside the tree). */
  ignorePrefixes?: string[];
}

export interface TreeEvents {
  close(): Promise<void>;
}

/** Subscriptions for directories created with subdirectories before more are renewed as one. */
export const MAX_PATCHES = 256;

/** Native ignores: directories no index ever holds are not even watched (fewer watches, fewer events). */
function nativeIgnores(): string[] {
  const names = [...DEFAULT_EXCLUDED_DIRS].filter((n) => n !== '.git');
  // .git is ignored but for .git/info/exclude, which is ignore rules for the whole tree.
  return ['.git/objects', '.git/refs', '.git/logs', '.git/hooks', '.git/modules', '.git/lfs', ...names.flatMap((n) => [`**/${n}`, `**/${n}/**`])];
}

export class WatchError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'watch', options);
  }
}

/** Says what to do about the watch failures users meet (the inotify limits) in one line. */
export function explainWatchError(err: unknown, root: string): WatchError {
  const message = err instanceof Error ? err.message : String(err);
  if (/no space left|ENOSPC|too many open files|EMFILE/i.test(message)) {
    return new WatchError(
      `cannot watch ${root}: the system's limit of file watches is reached — raise it (Linux: sudo sysctl fs.inotify.max_user_watches=524288) or exclude large directories in .cwignore`,
      { cause: err },
    );
  }
  return new WatchError(`watching ${root} failed: ${message}`, { cause: err });
}

export async function watchTree(root: string, options: TreeEventsOptions): Promise<TreeEvents> {
  const ignore = nativeIgnores();
  const dropped = options.ignorePrefixes ?? [];
  const patches = new Map<string, watcher.AsyncSubscription>();
  let rootSubscription: watcher.AsyncSubscription | null = null;
  let closed = false;

  const relative = (abs: string): string | null => {
    if (dropped.some((p) => abs === p || abs.startsWith(p))) return null;
    const rel = path.relative(root, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
    const parts = rel.split(path.sep);
    const posix = parts.join('/');
    // Inside a directory no index holds (.git, node_modules, our own .codeweaver, at any depth),
    // but for .git/info/exclude: ignore rules for the whole tree. (The last part may be a file
    // named like such a directory, a `build` script say: the run's walk judges that one.)
    if (posix !== '.git/info/exclude' && parts.slice(0, -1).some((p) => DEFAULT_EXCLUDED_DIRS.has(p))) return null;
    // A name that is not UTF-8 arrives with U+FFFD in it, which names no file: its directory is
    // walked instead, and the walk reads the name as it is (discovery/fs-names.ts).
    const lossy = parts.findIndex((p) => mayBeLossy(p));
    return lossy < 0 ? posix : parts.slice(0, lossy).join('/');
  };

  const onEvents = (err: Error | null, events: watcher.Event[]): void => {
    if (closed) return;
    if (err) {
      options.onError(explainWatchError(err, root));
      return;
    }
    const paths: string[] = [];
    for (const event of events) {
      const rel = relative(event.path);
      if (rel === null) continue;
      paths.push(rel);
      if (event.type === 'create') void patchIfNested(event.path);
      if (event.type === 'delete') void unpatchBelow(event.path);
    }
    if (paths.length > 0) options.onPaths(paths);
  };

  const subscribe = (dir: string) => watcher.subscribe(dir, onEvents, { ignore });

  /** A directory that arrived with subdirectories gets a subscription of its own (see above). */
  const patchIfNested = async (abs: string): Promise<void> => {
    if (patches.has(abs) || [...patches.keys()].some((p) => abs.startsWith(p + path.sep))) return;
    const info = await lstat(abs).catch(() => null);
    if (!info?.isDirectory()) return;
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    if (!entries.some((e) => e.isDirectory() && !DEFAULT_EXCLUDED_DIRS.has(e.name))) return;
    if (patches.size >= MAX_PATCHES) {
      await renew();
      return;
    }
    try {
      const sub = await subscribe(abs);
      if (closed) await sub.unsubscribe();
      else patches.set(abs, sub);
      // What was created inside before the subscription existed is found by the run's walk of `abs`.
      options.onPaths([relative(abs)].filter((p): p is string => p !== null));
    } catch {
      // Gone again already: its delete event handles it.
    }
  };

  const unpatchBelow = async (abs: string): Promise<void> => {
    for (const [dir, sub] of patches) {
      if (dir === abs || dir.startsWith(abs + path.sep)) {
        patches.delete(dir);
        await sub.unsubscribe().catch(() => {});
      }
    }
  };

  const unsubscribeAll = async (): Promise<void> => {
    const subs = [rootSubscription, ...patches.values()];
    rootSubscription = null;
    patches.clear();
    await Promise.all(subs.map((s) => s?.unsubscribe().catch(() => {})));
  };

  const renew = async (): Promise<void> => {
    await unsubscribeAll();
    if (closed) return;
    try {
      rootSubscription = await subscribe(root);
      options.onReset();
    } catch (err) {
      options.onError(explainWatchError(err, root));
    }
  };

  try {
    rootSubscription = await subscribe(root);
  } catch (err) {
    throw explainWatchError(err, root);
  }
  return {
    close: async () => {
      closed = true;
      await unsubscribeAll();
    },
  };
}
