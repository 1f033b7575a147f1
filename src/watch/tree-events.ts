import { lstat, readdir, realpath } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';
import path from 'node:path';
import { mayBeLossy } from '../discovery/fs-names.js';
import watcher from '@parcel/watcher';
import { DEFAULT_EXCLUDED_DIRS } from '../discovery/default-rules.js';
import { CodeweaverError } from '../errors.js';
import { TREE_WIDE_FILES } from './change-set.js';

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

/** Inside .git, only these hold nothing a run reads (.git/info/exclude and .git/HEAD are watched). */
const GIT_INTERNALS = ['.git/objects', '.git/refs', '.git/logs', '.git/hooks', '.git/modules', '.git/lfs'];

/**
 * What the watch of a tree is set up from, found by one walk of its directories:
 *
 * - `ignore`: native ignores, as plain paths: the directories no index ever holds (node_modules,
 *   build output, …) and git's internals, so they are not even watched (fewer watches, fewer
 *   events). Never as globs: @parcel/watcher tests every path against every glob with
 *   std::regex, and the ~90 globs this was once given made subscribing to a 28 k-file tree take
 *   24 s instead of 0.3 s (bench/watch-scale-bench.mjs). What else the walk ignores (.gitignore,
 *   .cwignore, the config's exclude) is left to the runs, whose rules change while watching: a
 *   path they ignore costs a look, never a missed file.
 * - `links`: symbolic links to directories inside the tree (link → the directory's real path).
 *   The index holds their files under the link's path too (the walk follows them), but the
 *   backend reports a change only under the real path: each is reported under both.
 */
export interface TreeScan {
  ignore: string[];
  links: Map<string, string>;
}

export async function scanTree(root: string): Promise<TreeScan> {
  const ignore = GIT_INTERNALS.map((p) => path.join(root, p));
  const links = new Map<string, string>();
  let level = [root];
  while (level.length > 0) {
    const next: string[] = [];
    // One level at a time, its directories read together (the thread pool overlaps them).
    await Promise.all(
      level.map(async (dir) => {
        // A directory gone or unreadable meanwhile is passed over: the subscription meets it as it is.
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const abs = path.join(dir, e.name);
          if (e.isSymbolicLink()) {
            const target = await linkedDirectory(root, abs);
            if (target) links.set(abs, target);
            continue; // not walked: the watcher sees its target where it is
          }
          if (!e.isDirectory() || e.name === '.git') continue; // .git's internals are listed above
          if (DEFAULT_EXCLUDED_DIRS.has(e.name)) ignore.push(abs);
          else next.push(abs);
        }
      }),
    );
    level = next;
  }
  return { ignore, links };
}

/** The native ignores of a tree (see TreeScan). */
export async function nativeIgnores(root: string): Promise<string[]> {
  return (await scanTree(root)).ignore;
}

/** The real path of the directory a symbolic link leads to, when it is inside `root`; else null. */
async function linkedDirectory(root: string, link: string): Promise<string | null> {
  const target = await realpath(link).catch(() => null);
  if (!target || !(target === root || target.startsWith(root + path.sep))) return null;
  return (await isDirectory(target)) ? target : null;
}

/**
 * Errors of a tree that changed under the watcher (a directory gone or replaced while it was
 * walked, as during a checkout): the subscription is made again, never given up.
 */
export function isTreeRace(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /no such file or directory|ENOENT|not a directory|ENOTDIR/i.test(message);
}

/** The longest pause between attempts at a subscription that meets a changing tree. */
const SUBSCRIBE_RETRY_MAX_MS = 1000;
/** How long a subscription is attempted again while the tree changes under it. */
const SUBSCRIBE_RETRY_FOR_MS = 120_000;

async function isDirectory(dir: string): Promise<boolean> {
  return (await lstat(dir).catch(() => null))?.isDirectory() ?? false;
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
  let { ignore, links } = await scanTree(root);
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
    // but for the files of .git that concern the whole tree (change-set.ts). (The last part may
    // be a file named like such a directory, a `build` script say: the run's walk judges that one.)
    if (!TREE_WIDE_FILES.has(posix) && parts.slice(0, -1).some((p) => DEFAULT_EXCLUDED_DIRS.has(p))) return null;
    // A name that is not UTF-8 arrives with U+FFFD in it, which names no file: its directory is
    // walked instead, and the walk reads the name as it is (discovery/fs-names.ts).
    const lossy = parts.findIndex((p) => mayBeLossy(p));
    return lossy < 0 ? posix : parts.slice(0, lossy).join('/');
  };

  const onEvents = (err: Error | null, events: watcher.Event[]): void => {
    if (closed) return;
    if (err) {
      // A tree that changed under the backend: watch it afresh and walk it (a renewal).
      if (isTreeRace(err)) void renew();
      else options.onError(explainWatchError(err, root));
      return;
    }
    const paths: string[] = [];
    for (const event of events) {
      const rel = relative(event.path);
      if (rel === null) continue;
      paths.push(rel);
      // The same file as the index holds it below each link to its directory.
      for (const [link, target] of links) {
        if (event.path !== target && !event.path.startsWith(target + path.sep)) continue;
        const aliased = relative(link + event.path.slice(target.length));
        if (aliased !== null) paths.push(aliased);
      }
      if (event.type === 'create') void patchIfNested(event.path);
      if (event.type === 'delete') unpatchBelow(event.path);
      if (event.type !== 'update') void followLink(event.path);
    }
    if (paths.length > 0) options.onPaths(paths);
  };

  /** A link made, replaced or removed while watching: changes below its target follow it (or no longer do). */
  const followLink = async (abs: string): Promise<void> => {
    for (const link of links.keys()) if (link === abs || link.startsWith(abs + path.sep)) links.delete(link);
    const info = await lstat(abs).catch(() => null);
    if (!info?.isSymbolicLink()) return;
    const target = await linkedDirectory(root, abs);
    if (target && !closed) links.set(abs, target);
  };

  /**
   * Subscribes, again while the tree changes under the walk the backend makes of it (a
   * directory that vanished midway is an ordinary change: the run after looks at what is there).
   */
  const subscribe = async (dir: string): Promise<watcher.AsyncSubscription> => {
    const giveUpAt = Date.now() + SUBSCRIBE_RETRY_FOR_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await watcher.subscribe(dir, onEvents, { ignore });
      } catch (err) {
        // While the tree keeps changing (a checkout ends within it; a directory that is itself
        // gone is not retried), with a pause that grows to a second; an error that persists
        // longer is not a race, and stands.
        if (closed || !isTreeRace(err) || Date.now() > giveUpAt || !(await isDirectory(dir))) throw err;
        await setTimeout(Math.min(SUBSCRIBE_RETRY_MAX_MS, 25 * attempt));
      }
    }
  };

  /** A directory that arrived with subdirectories gets a subscription of its own (see above). */
  const patchIfNested = async (abs: string): Promise<void> => {
    if (patches.has(abs) || [...patches.keys()].some((p) => abs.startsWith(p + path.sep))) return;
    if (!(await isDirectory(abs))) return;
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

  const unpatchBelow = (abs: string): void => {
    for (const [dir, sub] of patches) {
      if (dir === abs || dir.startsWith(abs + path.sep)) {
        patches.delete(dir);
        void sub.unsubscribe().catch(() => {});
      }
    }
  };

  const unsubscribeAll = async (): Promise<void> => {
    const subs = [rootSubscription, ...patches.values()];
    rootSubscription = null;
    patches.clear();
    await Promise.all(subs.map((s) => s?.unsubscribe().catch(() => {})));
  };

  let renewing: Promise<void> | null = null;
  const renew = (): Promise<void> => (renewing ??= renewOnce().finally(() => (renewing = null)));
  const renewOnce = async (): Promise<void> => {
    await unsubscribeAll();
    if (closed) return;
    try {
      ({ ignore, links } = await scanTree(root)); // directories no index holds, and links, may have come or gone
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
