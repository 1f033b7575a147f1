/**
 * Typed errors. Every error a user can cause or meet carries a stable `kind` and a one-line
 * message that names the problem and the fix. What a kind means to a process (its exit code)
 * is the CLI's to say (cli/exit-codes.ts); what it means to a run is `fatal`.
 */

/**
 * What went wrong, as a stable name: a public contract (`--json` errors carry it as
 * `error.kind`, MCP error results as `_meta["codeweaver/error_kind"]`). Add kinds, never rename.
 */
export type ErrorKind =
  /** Bad flags, arguments or input. */
  | 'usage'
  /** Invalid configuration (a key, a value, a missing API key, a wrong vector size). */
  | 'config'
  /** A provider or store refused the credentials. */
  | 'auth'
  /** The index was built with another model, size or layout. */
  | 'index_mismatch'
  /** The index file is damaged. */
  | 'index_corrupt'
  /** Another cw is writing the index. */
  | 'index_busy'
  /** The index cannot be created or written where it is (permissions, a read-only file system). */
  | 'index_location'
  /** What was asked for is not ready (a sharded build with shards missing). */
  | 'not_ready'
  /** A provider or store answered a request with a failure (a 4xx, a malformed answer). */
  | 'service'
  /** A provider or store kept failing after its retries: unreachable, timing out, 5xx. */
  | 'unavailable'
  /** The disk: full, or failing. */
  | 'storage'
  /** Watching the file tree failed. */
  | 'watch'
  /** An operation failed for a reason of its own (a thread that stopped, a closed session). */
  | 'failed'
  /** Stopped by SIGINT/SIGTERM. */
  | 'interrupted';

/**
 * Kinds after which no other piece of the same run can succeed (a refused key, a wrong
 * configuration, an index that cannot be written): the run stops instead of failing file by file.
 */
const FATAL_KINDS: ReadonlySet<ErrorKind> = new Set(['usage', 'config', 'auth', 'index_mismatch', 'index_corrupt', 'index_busy', 'index_location']);

export class CodeweaverError extends Error {
  readonly kind: ErrorKind;
  constructor(message: string, kind: ErrorKind = 'failed', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
  }

  /** No other piece of the same run can succeed after this error (see FATAL_KINDS). */
  get fatal(): boolean {
    return FATAL_KINDS.has(this.kind);
  }
}

/** The kind of any error: a CodeweaverError's own, `failed` for anything else. */
export function kindOf(err: unknown): ErrorKind {
  return err instanceof CodeweaverError ? err.kind : 'failed';
}

/** Whether `err` ends a run (or a watcher) rather than one file of it. */
export function isFatal(err: unknown): boolean {
  return err instanceof CodeweaverError && err.fatal;
}

/** Bad flags or arguments. */
export class UsageError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'usage', options);
  }
}

/** Invalid configuration: one entry per problem, each already a full line. */
export class ConfigError extends CodeweaverError {
  readonly problems: string[];
  constructor(problems: string[] | string, options?: { cause?: unknown }) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join('\n'), 'config', options);
    this.problems = list;
  }
}

/** A provider or store refused our credentials: retrying cannot help. */
export class AuthError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'auth', options);
  }
}

/** The index was built with another model/dimension/store layout. */
export class IndexMismatchError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'index_mismatch', options);
  }
}

/** What was asked for is not ready (a build with shards missing): one line per problem; nothing changed. */
export class NotReadyError extends CodeweaverError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'), 'not_ready');
    this.problems = problems;
  }
}

/** A dependency (provider, Qdrant) could not be reached or kept failing after retries. */
export class ServiceError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }, kind: 'service' | 'unavailable' = 'service') {
    super(message, kind, options);
  }
}
