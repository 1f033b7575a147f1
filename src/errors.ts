/**
 * Typed errors. Every error a user can cause or meet carries the exit code the CLI
 * returns for it and a one-line message that names the problem and the fix.
 */

/** Exit codes: a public contract, documented in README and `cw --help`. */
export const ExitCode = {
  Ok: 0,
  /** The run finished but some files failed. */
  PartialFailure: 1,
  /** Usage or configuration error (bad flag, bad config, missing key, refused change). */
  Usage: 2,
  /** Not ready: `cw publish` found the build incomplete or inconsistent; nothing was changed. */
  NotReady: 3,
  /** Interrupted by SIGINT/SIGTERM. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CodeweaverError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.PartialFailure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }

  /**
   * No other piece of the same run can succeed after this error (a refused key, a wrong
   * configuration): the run stops instead of failing file by file. Configuration and
   * credential errors are; a failure of one batch or one file is not.
   */
  get fatal(): boolean {
    return this.exitCode === ExitCode.Usage;
  }
}

/** Bad flags or arguments. */
export class UsageError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** Invalid configuration: one entry per problem, each already a full line. */
export class ConfigError extends CodeweaverError {
  readonly problems: string[];
  constructor(problems: string[] | string, options?: { cause?: unknown }) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join('\n'), ExitCode.Usage, options);
    this.problems = list;
  }
}

/** A provider or store refused our credentials: retrying cannot help. */
export class AuthError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** The index was built with another model/dimension/store layout. */
export class IndexMismatchError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** What was asked for is not ready (a build with shards missing): one line per problem; nothing changed. */
export class NotReadyError extends CodeweaverError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'), ExitCode.NotReady);
    this.problems = problems;
  }
}

/** A dependency (provider, Qdrant) could not be reached or kept failing after retries. */
export class ServiceError extends CodeweaverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.PartialFailure, options);
  }
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof CodeweaverError ? err.exitCode : ExitCode.PartialFailure;
}
