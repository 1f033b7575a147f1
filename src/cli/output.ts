import { styleText } from 'node:util';
import type { Ora } from 'ora';
import { redact, redactDeep } from '../redact.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

type Style = Parameters<typeof styleText>[0];

/**
 * Every byte the CLI prints goes through here, so the output modes stay honest:
 * - `--json`: exactly one JSON document on stdout (`result`), diagnostics on stderr.
 * - human on a TTY: an ora spinner and colours on stderr, results on stdout.
 * - human without a TTY (CI, pipes): plain timestamped lines on stderr, no escape codes.
 * - `--quiet`: errors only (and the results a command exists to print, e.g. search hits).
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Progress may redraw in place (stderr is a TTY and not --json/--quiet). */
  readonly interactive: boolean;
  private readonly color: boolean;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;
  private spinner: Ora | null = null;
  /** ora, loaded only for a terminal (it and its dependencies cost startup elsewhere). */
  private ora: typeof import('ora').default | null = null;
  /** The line to show once ora has loaded. */
  private pending: string | null = null;
  private jsonWritten = false;

  constructor(options: OutputOptions) {
    const env = options.env ?? process.env;
    this.json = options.json;
    this.quiet = options.quiet;
    this.verbose = options.verbose && !options.quiet;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    const tty = Boolean(this.stderr.isTTY) && env.TERM !== 'dumb' && !env.CI;
    // A terminal of no width (some pseudo-terminals report 0 columns) cannot redraw a line: ora
    // would take each frame for endless lines and erase upwards for ever.
    const width = this.stderr.columns ?? 80;
    this.interactive = tty && width > 0 && !this.json && !this.quiet;
    this.color = tty && !env.NO_COLOR;
    if (this.interactive) {
      void import('ora').then(
        (m) => {
          this.ora = m.default;
          if (this.pending !== null) this.progress(this.pending);
        },
        () => {}, // no spinner then; lines still print
      );
    }
  }

  style(style: Style, text: string): string {
    // Output decides about colour itself (TTY, NO_COLOR, CI); styleText must not second-guess it
    // by looking at stdout when the progress goes to stderr.
    return this.color ? styleText(style, text, { validateStream: false }) : text;
  }

  /** A progress or status line for humans (stderr). */
  info(message: string): void {
    if (this.quiet || this.json) return;
    this.log(message);
  }

  /**
   * A progress heartbeat off a TTY: shown unless --quiet, also under --json (on stderr), so a
   * CI log shows the run is alive while stdout keeps exactly one JSON document.
   */
  heartbeat(message: string): void {
    if (this.quiet) return;
    this.log(message);
  }

  /** Details shown only with --verbose (stderr, also in --json mode: stdout stays clean). */
  debug(message: string): void {
    if (this.verbose) this.log(this.style('dim', message));
  }

  warn(message: string): void {
    if (this.quiet) return;
    this.log(`${this.style('yellow', 'warning:')} ${message}`);
  }

  /** One-line error, always shown. */
  error(message: string): void {
    this.stopProgress();
    for (const line of redact(message).split('\n')) this.stderr.write(`${this.style('red', 'cw: error:')} ${line}\n`);
  }

  /** The command's result for humans (stdout). Not printed in --json mode. */
  print(text: string): void {
    if (this.json) return;
    this.stopProgress();
    const safe = redact(text);
    this.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  }

  /** The command's one JSON document (stdout). Later calls are ignored: one document, never two. */
  result(doc: unknown): void {
    if (!this.json || this.jsonWritten) return;
    this.jsonWritten = true;
    this.stdout.write(`${JSON.stringify(redactDeep(doc), null, 2)}\n`);
  }

  /**
   * One JSON document on one line (stdout), for commands that report as they go (`cw watch
   * --json`): a stream of documents a script reads line by line.
   */
  jsonLine(doc: unknown): void {
    if (!this.json) return;
    this.stdout.write(`${JSON.stringify(redactDeep(doc))}\n`);
  }

  /** Live progress: a spinner on a TTY; elsewhere the caller throttles and calls `info`. */
  progress(text: string): void {
    if (!this.interactive) return;
    if (!this.ora) {
      this.pending = text;
      return;
    }
    this.pending = null;
    const line = fitToWidth(redact(text), (this.stderr.columns || 80) - 2); // the spinner's frame and a space
    if (!this.spinner) {
      this.spinner = this.ora({
        text: line,
        stream: this.stderr,
        discardStdin: false,
        // Output has decided (TTY, not CI, not --json/--quiet); ora must not decide again from
        // process.env, and its frame is coloured only when Output colours (NO_COLOR).
        isEnabled: true,
        color: this.color ? 'cyan' : false,
      }).start();
    } else this.spinner.text = line;
  }

  stopProgress(): void {
    this.pending = null;
    this.spinner?.stop();
    this.spinner = null;
  }

  private log(raw: string): void {
    const message = redact(raw);
    if (this.spinner) {
      this.spinner.clear();
      this.stderr.write(`${message}\n`);
      this.spinner.render();
      return;
    }
    const line = this.interactive || this.color ? message : `${new Date().toISOString()} ${message}`;
    this.stderr.write(`${line}\n`);
  }
}

/**
 * A progress line that fits the terminal: a line longer than the width wraps, and the redraw
 * then erases only its last row (users saw the line wrap mid-word at 120 columns, and copies
 * pile up). Whole " · "-separated parts are dropped from the end first; a first part still too
 * long is cut with an ellipsis.
 */
export function fitToWidth(text: string, width: number): string {
  if (width <= 0 || text.length <= width) return text;
  const parts = text.split(' · ');
  while (parts.length > 1 && parts.join(' · ').length > width) parts.pop();
  const fitted = parts.join(' · ');
  return fitted.length <= width ? fitted : `${fitted.slice(0, Math.max(0, width - 1))}…`;
}
