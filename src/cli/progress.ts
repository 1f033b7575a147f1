import type { IndexProgress } from '../pipeline/index-run.js';
import type { Output } from './output.js';

/** Without a TTY (CI logs), one progress line this often. */
const PLAIN_INTERVAL_MS = 5000;

/**
 * Renders pipeline progress: a live spinner line on a TTY, a timestamped line every few
 * seconds otherwise. The total shown never moves backwards (it only grows while files are found).
 */
export class ProgressView {
  private lastPlain = 0;
  private shownTotal = 0;

  constructor(private readonly out: Output) {}

  update(p: IndexProgress): void {
    if (p.phase === 'done') {
      this.out.stopProgress();
      return;
    }
    this.shownTotal = Math.max(this.shownTotal, p.filesTotal);
    const line = this.format(p);
    if (this.out.interactive) {
      this.out.progress(line);
    } else if (p.elapsedMs - this.lastPlain >= PLAIN_INTERVAL_MS) {
      this.lastPlain = p.elapsedMs;
      this.out.info(line);
    }
  }

  private format(p: IndexProgress): string {
    const seconds = p.elapsedMs / 1000;
    const total = `${fmt(this.shownTotal)}${p.discoveryDone ? '' : '+'}`;
    const parts = [`${p.phase}`, `${fmt(p.filesDone)}/${total} files`, `${fmt(p.chunksWritten)} chunks written`];
    if (p.chunksEmbedded > 0 && seconds > 0) parts.push(`${fmt(Math.round(p.chunksEmbedded / seconds))} chunks/s embedded`);
    else if (p.filesDone > 0 && seconds > 0) parts.push(`${fmt(Math.round(p.filesDone / seconds))} files/s`);
    if (p.discoveryDone && p.filesDone > 0 && p.filesDone < this.shownTotal) {
      const eta = ((this.shownTotal - p.filesDone) * seconds) / p.filesDone;
      parts.push(`ETA ${formatDuration(eta * 1000)}`);
    }
    return parts.join(' · ');
  }
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
