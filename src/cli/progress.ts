import type { EnvKnobs } from '../config/env.js';
import type { RetryEvent } from '../http/retry.js';
import type { IndexProgress } from '../pipeline/index-run.js';
import type { Output } from './output.js';

/** Without a TTY (CI logs), one progress line this often (CODEWEAVER_PROGRESS_SECONDS changes it). */
export const PLAIN_INTERVAL_MS = 5000;

/** The interval between progress lines off a TTY: CODEWEAVER_PROGRESS_SECONDS, else PLAIN_INTERVAL_MS. */
export function plainIntervalMs(knobs: Pick<EnvKnobs, 'progressSeconds'>): number {
  return knobs.progressSeconds === null ? PLAIN_INTERVAL_MS : knobs.progressSeconds * 1000;
}
const BAR_WIDTH = 20;
/** The live bar is redrawn at most this often (ora itself draws every 80 ms). */
const LIVE_INTERVAL_MS = 50;

/**
 * Renders pipeline progress in one unit, files, whatever the provider: a bar with percent,
 * rate and ETA on a TTY; a timestamped heartbeat line every few seconds otherwise (under
 * --json too, on stderr: CI wants to see the run is alive, stdout keeps its one document).
 * The total is the pre-count of files in scope as soon as it is known (else the files found so
 * far); neither the total nor the percentage ever moves backwards. When the provider is being
 * retried, the line says so ("retrying (429, next in 12 s)").
 */
export class ProgressView {
  private lastPlain = 0;
  private lastLive = -Infinity;
  private shownTotal = 0;
  private shownDone = 0;
  private shownPercent = 0;
  private retry: { text: string; until: number } | null = null;
  private unit: 'files' | 'chunks' = 'files';

  constructor(
    private readonly out: Output,
    private readonly intervalMs: number = PLAIN_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A provider attempt failed and will be retried after `delayMs`. */
  retrying(provider: string, event: RetryEvent): void {
    const why = event.verdict === 'rate-limited' ? '429' : shortReason(event.error);
    this.retry = { text: `${provider} retrying (${why}, next in ${Math.max(1, Math.round(event.delayMs / 1000))} s)`, until: this.now() + event.delayMs };
  }

  update(p: IndexProgress): void {
    if (p.phase === 'done') {
      this.out.stopProgress();
      return;
    }
    if (p.phase === 'vectors' && this.unit === 'files') {
      // The vectors' fill counts chunks from zero: a new bar, not the files' one going on.
      this.unit = 'chunks';
      this.shownTotal = this.shownDone = this.shownPercent = 0;
      this.lastPlain = this.lastLive = -Infinity;
    }
    this.shownTotal = Math.max(this.shownTotal, p.expectedTotal ?? 0, p.filesTotal);
    this.shownDone = Math.min(Math.max(this.shownDone, p.filesDone), this.shownTotal);
    // Formatted only when shown: updates come per file (10,000 a second in a no-change rerun).
    if (this.out.interactive) {
      if (p.elapsedMs - this.lastLive < LIVE_INTERVAL_MS) return;
      this.lastLive = p.elapsedMs;
      this.out.progress(this.format(p));
    } else if (p.elapsedMs - this.lastPlain >= this.intervalMs) {
      this.lastPlain = p.elapsedMs;
      this.out.heartbeat(this.format(p));
    }
  }

  private rateMeansSomething(seconds: number): boolean {
    return seconds >= ETA_MIN_SECONDS && this.shownDone >= Math.max(ETA_MIN_FILES, Math.ceil(this.shownTotal / 100));
  }

  private format(p: IndexProgress): string {
    const seconds = p.elapsedMs / 1000;
    const known = p.expectedTotal !== null || p.discoveryDone;
    const parts: string[] = [p.phase];
    if (known && this.shownTotal > 0) {
      this.shownPercent = Math.max(this.shownPercent, Math.floor((100 * this.shownDone) / this.shownTotal));
      const filled = Math.round((BAR_WIDTH * this.shownPercent) / 100);
      parts.push(`[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${this.shownPercent}%`);
      parts.push(`${fmt(this.shownDone)}/${fmt(this.shownTotal)} ${this.unit}`);
    } else {
      parts.push(`${fmt(this.shownDone)}/${fmt(this.shownTotal)}+ ${this.unit}`);
    }
    if (this.shownDone > 0 && seconds >= 1) parts.push(`${fmt(Math.round(this.shownDone / seconds))} ${this.unit}/s`);
    if (known && this.rateMeansSomething(seconds) && this.shownDone < this.shownTotal) {
      const eta = ((this.shownTotal - this.shownDone) * seconds) / this.shownDone;
      parts.push(`ETA ${formatDuration(eta * 1000)}`);
    }
    parts.push(`${fmt(p.chunksWritten)} chunks written`);
    if (this.retry && this.now() < this.retry.until) parts.push(this.retry.text);
    return parts.join(' · ');
  }
}

/**
 * An ETA is the rate so far projected: the first seconds (starting the parser, the first
 * batch's round trip) and the first few files say nothing about the rest, and projected over
 * 27,000 files they gave "ETA 1084 min". No ETA until both have passed.
 */
export const ETA_MIN_SECONDS = 5;
export const ETA_MIN_FILES = 20;

function shortReason(error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return `HTTP ${status}`;
  const message = error instanceof Error ? error.message : String(error);
  return /timed? ?out|timeout/i.test(message) ? 'timeout' : /connect|ECONN|reset/i.test(message) ? 'connection' : 'error';
}

/**
 * 1234567 → "1,234,567", as toLocaleString('en-US') gives. Not toLocaleString itself: its first
 * call loads ICU's locale data, 15 ms of a `cw status` here. Every caller passes a count; anything
 * else (fractions, non-finite, past 2^53) goes to toLocaleString rather than a second rounding rule.
 */
export function fmt(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const grouped = Math.abs(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 || Object.is(n, -0) ? `-${grouped}` : grouped;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
