import { ExitCode } from '../errors.js';

export interface ShutdownOptions {
  /** How long in-flight work may run after the first signal before it is cut off. */
  graceMs: number;
  /** Told about the first signal (one line for the user). */
  onFirstSignal?: (signal: NodeJS.Signals) => void;
  /** Destroys everything at once (second signal, or the grace period ran out). Must not throw. */
  onForce: () => Promise<void> | void;
  /** Exits the process; injectable for tests. */
  exit?: (code: number) => void;
}

/**
 * Signal handling for a run: first SIGINT/SIGTERM = stop taking new work (abort `signal`),
 * let in-flight work finish within the grace period; a second signal or the end of the grace
 * period = destroy at once and exit 130. Normal completion calls `dispose()`.
 */
export class Shutdown {
  private readonly controller = new AbortController();
  private readonly options: ShutdownOptions;
  private graceTimer: NodeJS.Timeout | null = null;
  private forcing = false;
  private readonly handler = (signal: NodeJS.Signals) => this.onSignal(signal);

  constructor(options: ShutdownOptions) {
    this.options = options;
  }

  /** Aborted on the first signal: stages stop taking new work when they see it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  install(): this {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    return this;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (!this.controller.signal.aborted) {
      this.options.onFirstSignal?.(signal);
      this.controller.abort(new Error(`received ${signal}`));
      this.graceTimer = setTimeout(() => void this.force(), this.options.graceMs);
      this.graceTimer.unref();
      return;
    }
    void this.force();
  }

  private async force(): Promise<void> {
    if (this.forcing) return;
    this.forcing = true;
    try {
      await this.options.onForce();
    } finally {
      (this.options.exit ?? process.exit)(ExitCode.Interrupted);
    }
  }
}
