import { readdirSync, statSync, type Stats } from 'node:fs';
import { OWN_CONFIG_FILES } from '../config/file-names.js';
import { decodeName, fsPath, mayBeLossy } from './fs-names.js';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { DEFAULT_EXCLUDED_DIRS, isSecretFileName, skipByName } from './default-rules.js';
import { IgnoreStack, RuleSet, parseIgnoreFile } from './ignore-rules.js';
import type { RunFilter } from './run-filter.js';
import { languageForPath } from './language.js';
import type { SkipReason } from './skip-reasons.js';
import { nowNs, statDataOf, type StatData } from './stat-data.js';

export interface DiscoveredFile {
  /** Repo-relative, forward slashes. */
  path: string;
  absPath: string;
  size: number;
  language: string;
  /** The walk's stat of the file, taken before anything reads it (absent for files given otherwise). */
  stat?: StatData;
}

export interface WalkOptions {
  /** .gitignore-syntax globs; when non-empty, only matching files are indexed. */
  include: string[];
  /** .gitignore-syntax globs never indexed (directories matching them are not walked). */
  exclude: string[];
  maxFileSize: number;
  /** false: ignore .gitignore and .git/info/exclude; .cwignore and the defaults still apply. */
  respectGitignore: boolean;
  /** Files whose name says they hold secrets (.env, keys, credentials) are left out unread. */
  skipSecretFiles: boolean;
  /** Files whose name says they are generated (*.pb.go, *_pb2.py, …) are left out (indexing.skip_generated). */
  skipGenerated: boolean;
  /** This run's --include/--exclude: narrows the walk on top of the configured scope. */
  filter?: RunFilter;
  onSkip?: (path: string, reason: SkipReason) => void;
  signal?: AbortSignal;
  /**
   * Only the files of this part of the tree (a shard): others are passed over silently, before
   * any check or stat, since another run answers for them.
   */
  part?: (path: string) => boolean;
}

/** The walk of the index's configured scope (narrowed by this run's filter, if any). */
export function walkOptionsFor(
  indexing: { include: string[]; exclude: string[]; max_file_size: number; respect_gitignore: boolean; skip_secret_files: boolean; skip_generated: boolean },
  filter?: RunFilter,
): WalkOptions {
  return {
    include: indexing.include,
    exclude: indexing.exclude,
    maxFileSize: indexing.max_file_size,
    respectGitignore: indexing.respect_gitignore,
    skipSecretFiles: indexing.skip_secret_files,
    skipGenerated: indexing.skip_generated,
    filter,
  };
}

/** Files of one directory are stat-ed in groups of this many, between yields to the event loop. */
const STAT_GROUP = 32;

interface Walk {
  root: string;
  realRoot: string;
  options: WalkOptions;
  include: RuleSet | null;
  exclude: RuleSet | null;
}

interface DirFrame {
  /** Repo-relative, '' for the root, else ending with '/'. */
  rel: string;
  abs: string;
  /** Its real path (symlinks resolved). */
  real: string;
  rules: IgnoreStack;
  /** Real paths of this directory and its ancestors: following a symlink to one of them would loop. */
  ancestors: ReadonlySet<string>;
}

/**
 * Streams the files to index under `root`, depth first, each directory's entries in name
 * order. Only one directory listing per level is held at a time, so memory follows the
 * tree's depth, not its size. Ignored directories are reported once and never entered.
 */
export async function* walkFiles(root: string, options: WalkOptions): AsyncIterable<DiscoveredFile> {
  for await (const group of walkFileGroups(root, options)) yield* group;
}

/**
 * The same walk, in groups of up to a few dozen files (one directory's at a time): a consumer
 * that decides per group (a rerun's stat lookup) pays one async step per group, not per file.
 */
export async function* walkFileGroups(root: string, options: WalkOptions): AsyncGenerator<DiscoveredFile[]> {
  const { walk, frame } = await startWalk(root, options);
  yield* walkDir(walk, frame);
}

/**
 * Streams the files to index at or below these repository-relative paths (a watcher's changed
 * paths; '' is the whole tree), judged exactly as a walk of the whole tree would judge them:
 * every ancestor's .gitignore/.cwignore applies, and an ignored or excluded ancestor leaves
 * the path out. A path that no longer exists yields nothing. Paths inside another given path
 * are walked once, with it.
 */
export async function* walkPaths(root: string, paths: Iterable<string>, options: WalkOptions): AsyncIterable<DiscoveredFile> {
  for await (const group of walkPathGroups(root, paths, options)) yield* group;
}

/** walkPaths in groups (see walkFileGroups). */
async function* walkPathGroups(root: string, paths: Iterable<string>, options: WalkOptions): AsyncGenerator<DiscoveredFile[]> {
  const { walk, frame } = await startWalk(root, options);
  // Directories on the way to a path, resolved once for all the paths below them.
  const dirs = new Map<string, Promise<DirFrame | null>>([['', Promise.resolve(frame)]]);
  const parentOf = (rel: string): Promise<DirFrame | null> => {
    let found = dirs.get(rel);
    if (!found) {
      const cut = rel.lastIndexOf('/');
      found = parentOf(cut < 0 ? '' : rel.slice(0, cut)).then((parent) => (parent ? childDir(walk, parent, rel.slice(cut + 1)) : null));
      dirs.set(rel, found);
    }
    return found;
  };
  for (const target of outermostPaths(paths)) {
    options.signal?.throwIfAborted();
    if (target === '') {
      yield* walkDir(walk, frame);
      continue;
    }
    const cut = target.lastIndexOf('/');
    const parent = await parentOf(cut < 0 ? '' : target.slice(0, cut));
    if (!parent) continue;
    const name = target.slice(cut + 1);
    const abs = join(parent.abs, name);
    const info = await lstat(fsPath(abs)).catch(() => null);
    if (!info) continue; // gone: the run's scope removes what was recorded there
    const rules = await ownRules(walk, parent, null);
    const link = info.isSymbolicLink() ? await symlinkTarget(walk, abs) : undefined;
    const entry = classify(walk, parent, rules, name, info, link);
    if (entry?.kind === 'dir') yield* walkDir(walk, entry.frame);
    else if (entry) {
      const found = statAll(walk, [entry]);
      if (found.length > 0) yield found;
    }
  }
}

/**
 * The given paths without duplicates and without those inside another one (sorted), in forward
 * slashes without leading or trailing ones.
 */
export function outermostPaths(paths: Iterable<string>): string[] {
  const kept = new Set<string>();
  for (const p of [...new Set([...paths].map((p) => p.replace(/^\/+|\/+$/g, '')))].sort()) {
    if (kept.has('')) break;
    // Sorted, an ancestor comes before its descendants (though not always just before).
    let inside = false;
    for (let cut = p.indexOf('/'); cut >= 0 && !inside; cut = p.indexOf('/', cut + 1)) inside = kept.has(p.slice(0, cut));
    if (!inside) kept.add(p);
  }
  return [...kept];
}

async function startWalk(root: string, options: WalkOptions): Promise<{ walk: Walk; frame: DirFrame }> {
  const abs = resolve(root);
  let realRoot: string;
  try {
    realRoot = await realpath(abs);
    if (!(await stat(realRoot)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UsageError(`cannot index ${root}: not a readable directory; pass the repository's root directory`);
  }
  const walk: Walk = {
    root: abs,
    realRoot,
    options,
    include: options.include.length > 0 ? new RuleSet(options.include) : null,
    exclude: options.exclude.length > 0 ? new RuleSet(options.exclude) : null,
  };
  let rules = IgnoreStack.EMPTY;
  if (options.respectGitignore) {
    const exclude = await readOptional(join(abs, '.git', 'info', 'exclude'));
    if (exclude !== null) rules = rules.withLayer('', parseIgnoreFile(exclude));
  }
  return { walk, frame: { rel: '', abs, real: realRoot, rules, ancestors: new Set([realRoot]) } };
}

/**
 * Depth first from `start`, each directory's files (name order) before its subdirectories, with
 * an explicit stack: nested generators would pass every file up through one frame per level.
 * Listing and stat calls are synchronous (see statAll); the walk yields between groups.
 */
async function* walkDir(walk: Walk, start: DirFrame): AsyncGenerator<DiscoveredFile[]> {
  const stack: DirFrame[] = [start];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: Entry[];
    try {
      entries = listDir(dir.abs);
    } catch {
      skip(walk, dir.rel.slice(0, -1) || '.', 'unreadable');
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const rules = await ownRules(walk, dir, entries);

    const subdirs: DirFrame[] = [];
    const pending: PendingFile[] = [];
    for (const entry of entries) {
      walk.options.signal?.throwIfAborted();
      const target = entry.isSymbolicLink() ? await symlinkTarget(walk, childPath(dir.abs, entry.name)) : undefined;
      const found = classify(walk, dir, rules, entry.name, entry, target);
      if (!found) continue;
      if (found.kind === 'dir') {
        subdirs.push(found.frame);
        continue;
      }
      pending.push(found);
      if (pending.length >= STAT_GROUP) {
        const group = statAll(walk, pending.splice(0));
        if (group.length > 0) yield group;
      }
    }
    const group = statAll(walk, pending);
    if (group.length > 0) yield group;
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

interface PendingFile {
  kind: 'file';
  rel: string;
  abs: string;
}

/** A directory entry: its name as the index keeps it (fs-names.ts) and its type. */
type Entry = { name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean };

/**
 * A directory's entries. A name that is not UTF-8 comes back from Node with U+FFFD in it, which
 * nothing can open: then the listing is read again as bytes, and such names kept escaped.
 */
function listDir(abs: string): Entry[] {
  const entries: Entry[] = readdirSync(fsPath(abs), { withFileTypes: true });
  if (!entries.some((e) => mayBeLossy(e.name))) return entries;
  return readdirSync(fsPath(abs), { withFileTypes: true, encoding: 'buffer' }).map((e) => {
    const name = decodeName(e.name);
    return { name, isFile: () => e.isFile(), isDirectory: () => e.isDirectory(), isSymbolicLink: () => e.isSymbolicLink() };
  });
}

/**
 * A directory's entry by name. `dir` is already absolute and normalised and `name` is one
 * component, so path.join's normalising pass has nothing to do; it was a tenth of a no-change
 * rerun (two joins per entry, 10 k files: ~40 ms).
 */
function childPath(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

type SymlinkTarget = { real: string; stats: Stats } | null;

/**
 * What a directory entry is to the walk: a directory to enter, a file to stat, or nothing
 * (skipped, reported). `target` is a symlink's resolved target (null: outside the root or
 * dangling), undefined for anything else.
 */
function classify(
  walk: Walk,
  dir: DirFrame,
  rules: IgnoreStack,
  name: string,
  entry: { isDirectory(): boolean },
  target: SymlinkTarget | undefined,
): { kind: 'dir'; frame: DirFrame } | PendingFile | null {
  const rel = dir.rel + name;
  const abs = childPath(dir.abs, name);
  let isDir = entry.isDirectory();
  let real: string | undefined;
  if (target !== undefined) {
    if (target === null) {
      skip(walk, rel, 'symlink_outside_root');
      return null;
    }
    isDir = target.stats.isDirectory();
    real = target.real;
    if (isDir && dir.ancestors.has(real)) {
      skip(walk, rel, 'symlink_cycle');
      return null;
    }
  }
  if (isDir) {
    // The tool's own index directory is not the user's content: pruned without a word.
    if (name === '.codeweaver') return null;
    const reason = DEFAULT_EXCLUDED_DIRS.has(name)
      ? 'default_excluded_dir'
      : rules.ignores(rel, true) || walk.exclude?.test(rel + '/') === 'ignored' || walk.options.filter?.excludesDir(rel)
        ? 'ignored'
        : null;
    if (reason) {
      skip(walk, rel, reason);
      return null;
    }
    real ??= childPath(dir.real, name);
    return { kind: 'dir', frame: { rel: rel + '/', abs, real, rules, ancestors: new Set(dir.ancestors).add(real) } };
  }
  if (walk.options.part && !walk.options.part(rel)) return null;
  // codeweaver's own configuration is the tool's, not the user's code (a search for "voyage"
  // found codeweaver.config.json): pruned without a word, as .codeweaver/ is.
  if (OWN_CONFIG_FILES.has(name)) return null;
  const reason = fileReasonByName(walk, rules, rel, name);
  if (reason) {
    skip(walk, rel, reason);
    return null;
  }
  return { kind: 'file', rel, abs };
}

/** A directory on the way to a given path, as the walk of its parent would enter it; null when it would not. */
async function childDir(walk: Walk, parent: DirFrame, name: string): Promise<DirFrame | null> {
  const abs = join(parent.abs, name);
  const info = await lstat(fsPath(abs)).catch(() => null);
  if (!info) return null;
  const target = info.isSymbolicLink() ? await symlinkTarget(walk, abs) : undefined;
  const found = classify(walk, parent, await ownRules(walk, parent, null), name, info, target);
  return found?.kind === 'dir' ? found.frame : null;
}

/**
 * The layer stack for the entries of `dir`: the parent's plus this directory's .gitignore and
 * .cwignore. `entries` (the listing, when there is one) spares reading files that are absent.
 */
async function ownRules(walk: Walk, dir: DirFrame, entries: Entry[] | null): Promise<IgnoreStack> {
  const names = entries && new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  const patterns: string[] = [];
  // .cwignore comes last so that, within a directory, its rules (including `!` re-includes) win.
  for (const file of walk.options.respectGitignore ? ['.gitignore', '.cwignore'] : ['.cwignore']) {
    if (names && !names.has(file)) continue;
    const text = await readOptional(join(dir.abs, file));
    if (text !== null) patterns.push(...parseIgnoreFile(text));
  }
  return patterns.length > 0 ? dir.rules.withLayer(dir.rel, patterns) : dir.rules;
}

function fileReasonByName(walk: Walk, rules: IgnoreStack, rel: string, name: string): SkipReason | null {
  if (rules.ignores(rel, false) || walk.exclude?.test(rel) === 'ignored') return 'ignored';
  if (walk.include && walk.include.test(rel) !== 'ignored') return 'not_included';
  if (walk.options.skipSecretFiles && isSecretFileName(name)) return 'secret_file';
  return skipByName(name, walk.options.skipGenerated) ?? walk.options.filter?.rejectFile(rel) ?? null;
}

function statAll(walk: Walk, files: PendingFile[]): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const takenAt = nowNs(); // before the stats: a file written during them is then racy
  // Synchronous: on a warm cache (every rerun) a stat is a few microseconds, and the promise
  // and thread-pool round trip cost 3× the stat itself (measured: 10,000 stats in 53 ms sync,
  // 136–209 ms as concurrent promises). Reading the files stays concurrent.
  const stats = files.map((f) => {
    try {
      return statSync(fsPath(f.abs), { bigint: true, throwIfNoEntry: false }) ?? null;
    } catch {
      return null;
    }
  });
  for (let i = 0; i < files.length; i++) {
    const { rel, abs } = files[i]!;
    const st = stats[i];
    if (!st) skip(walk, rel, 'unreadable');
    else if (!st.isFile()) skip(walk, rel, 'special_file');
    else if (st.size > walk.options.maxFileSize) skip(walk, rel, 'too_large');
    else out.push({ path: rel, absPath: abs, size: Number(st.size), language: languageForPath(rel), stat: statDataOf(st, takenAt) });
  }
  return out;
}

/** The real path and stats of a symlink's target when it lies inside the root; null when outside or dangling. */
async function symlinkTarget(walk: Walk, abs: string): Promise<{ real: string; stats: Stats } | null> {
  try {
    const real = decodeName(await realpath(fsPath(abs), { encoding: 'buffer' }));
    if (real !== walk.realRoot && !real.startsWith(walk.realRoot.endsWith(sep) ? walk.realRoot : walk.realRoot + sep)) {
      return null;
    }
    return { real, stats: await stat(fsPath(real)) };
  } catch {
    return null; // dangling, or a loop of links the OS refuses to resolve
  }
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(fsPath(path), 'utf8');
  } catch {
    return null;
  }
}

function skip(walk: Walk, path: string, reason: SkipReason): void {
  walk.options.onSkip?.(path, reason);
}
