/**
 * Why discovery left a file (or a whole directory) out of the index.
 *
 * These strings are a public contract: they appear in `cw index --json` under
 * `files.skipped.<reason>`. Add new reasons; never rename one. A skip is never an error.
 */
export const SKIP_REASONS = {
  /** Matched a .gitignore, .cwignore or .git/info/exclude rule, or a configured `exclude` glob. */
  ignored: 'matched an ignore rule (.gitignore, .cwignore, .git/info/exclude or `exclude`)',
  /** `include` globs are set and this file matches none of them. */
  not_included: 'matches no `include` glob',
  /** A directory skipped by default: VCS metadata, dependencies, build output, caches. Counted once per directory. */
  default_excluded_dir: 'dependency, VCS or build-output directory (node_modules, .git, dist, …)',
  /** A package-manager lock file (package-lock.json, Cargo.lock, go.sum, …). */
  lockfile: 'package-manager lock file',
  /** Minified code: by name (*.min.js) or by content (very long average line length). */
  minified: 'minified (by name or by very long lines)',
  /** Generated code: by name (*.pb.go, *_pb2.py, *.generated.*) or by a "@generated"/"DO NOT EDIT" header. */
  generated: 'generated code (by name or header)',
  /** A known binary extension, or a NUL byte in the first 8 KiB. */
  binary: 'binary file',
  /** Larger than `indexing.max_file_size`. */
  too_large: 'larger than indexing.max_file_size',
  /** A symbolic link whose target lies outside the indexed root (or is dangling). */
  symlink_outside_root: 'symbolic link to outside the root (or dangling)',
  /** A symbolic link to a directory that is already being walked above it: following it would loop forever. */
  symlink_cycle: 'symbolic link back to one of its own parent directories',
  /** A FIFO, socket or device: reading it could block forever or never end. */
  special_file: 'not a regular file (FIFO, socket or device)',
  /** The file or directory could not be read (permissions, vanished during the walk, I/O error). */
  unreadable: 'could not be read',
  /**
   * A file that holds secrets by its nature (.env files, private keys, *.pem, credential
   * files): never read (indexing.skip_secret_files).
   */
  secret_file: 'holds secrets by its name (.env, private keys, *.pem, credentials)',
  /** Neither UTF-8/UTF-16 (with BOM) nor plausibly Latin-1 text. */
  not_utf8: 'not valid UTF-8 (nor UTF-16 with BOM, nor plausible Latin-1)',
} as const;

export type SkipReason = keyof typeof SKIP_REASONS;
