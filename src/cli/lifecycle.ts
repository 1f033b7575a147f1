import { ExitCode } from './exit-codes.js';
import { claimSignals } from './signals.js';

export interface ShutdownOptions {
  /** How long in-flight work may run after the first signal before it is cut off. */
  graceMs: number;
  /**
   * After the forced stop, how long the run may take to write the files already complete and
   * report; past it the process exits with whatever `onBackstop` prints.
   */
  backstopMs?: number;
  /** Told about the first signal (one line for the user). */
  onFirstSignal?: (signal: NodeJS.Signals) => void;
  /** Cuts off work in flight (second signal, or the grace period ran out). Must not throw. */
  onForce: () => Promise<void> | void;
  /** The run did not return within the backstop: print what is known (the partial summary). Must not throw. */
  onBackstop?: () => void;
  /** Exits the process; injectable for tests. */
  exit?: (code: number) => void;
}

/** Default time the run gets, once forced, to write what is complete and print its summary. */
export const DEFAULT_BACKSTOP_MS = 3000;

/**
 * Signal handling for a run:
 * - first SIGINT/SIGTERM: stop taking new work (`signal` aborts); in-flight work finishes
 *   within the grace period;
 * - second signal, or the end of the grace period: `forceSignal` aborts and `onForce` cuts the
 *   connections, so requests in flight end at once; the run still writes the files already
 *   complete and returns its summary (exit 130);
 * - if even that does not happen within the backstop, `onBackstop` prints what is known and the
 *   process exits 130. No path ends without a summary or with another code.
 */
export class Shutdown {
  private readonly controller = new AbortController();
  private readonly forceController = new AbortController();
  private readonly options: ShutdownOptions;
  private graceTimer: NodeJS.Timeout | null = null;
  private backstopTimer: NodeJS.Timeout | null = null;
  private release: (() => void) | null = null;

  constructor(options: ShutdownOptions) {
    this.options = options;
  }

  /** Aborted on the first signal: stages stop taking new work when they see it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborted on the forced stop: requests in flight are cancelled. */
  get forceSignal(): AbortSignal {
    return this.forceController.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  install(): this {
    this.release ??= claimSignals((signal) => this.onSignal(signal));
    return this;
  }

  dispose(): void {
    this.release?.();
    this.release = null;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.backstopTimer) clearTimeout(this.backstopTimer);
    this.graceTimer = null;
    this.backstopTimer = null;
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (!this.controller.signal.aborted) {
      this.options.onFirstSignal?.(signal);
      this.controller.abort(new DOMException(`received ${signal}`, 'AbortError'));
      this.graceTimer = setTimeout(() => void this.force(), this.options.graceMs);
      this.graceTimer.unref();
      return;
    }
    void this.force();
  }

  private async force(): Promise<void> {
    if (this.forceController.signal.aborted) return;
    this.forceController.abort(new DOMException('stopped at once', 'AbortError'));
    // Armed first: a cut-off that itself hangs must not keep the process alive.
    this.backstopTimer = setTimeout(() => {
      try {
        this.options.onBackstop?.();
      } finally {
        (this.options.exit ?? process.exit)(ExitCode.Interrupted);
      }
    }, this.options.backstopMs ?? DEFAULT_BACKSTOP_MS);
    try {
      await this.options.onForce();
    } catch {
      // onForce must not throw; if it does, the backstop still ends the process.
    }
  }
}
