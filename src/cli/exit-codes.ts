/**
 * Exit codes: a public contract, documented in README and `cw --help`. The one place an error's
 * kind becomes a process's exit code.
 */
import { kindOf, type ErrorKind } from '../errors.js';

export const ExitCode = {
  Ok: 0,
  /** The run finished but some files failed (or a service kept failing). */
  PartialFailure: 1,
  /** Usage or configuration error (bad flag, bad config, missing key, refused change). */
  Usage: 2,
  /** Not ready: `cw publish` found the build incomplete or inconsistent; nothing was changed. */
  NotReady: 3,
  /** Interrupted by SIGINT/SIGTERM. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BY_KIND: Record<ErrorKind, ExitCode> = {
  usage: ExitCode.Usage,
  config: ExitCode.Usage,
  auth: ExitCode.Usage,
  index_mismatch: ExitCode.Usage,
  index_corrupt: ExitCode.Usage,
  index_busy: ExitCode.Usage,
  index_location: ExitCode.Usage,
  not_ready: ExitCode.NotReady,
  service: ExitCode.PartialFailure,
  unavailable: ExitCode.PartialFailure,
  storage: ExitCode.PartialFailure,
  watch: ExitCode.PartialFailure,
  failed: ExitCode.PartialFailure,
  interrupted: ExitCode.Interrupted,
};

/** The exit code for an error of any kind (anything unexpected: 1). */
export function exitCodeOf(err: unknown): ExitCode {
  return BY_KIND[kindOf(err)];
}
