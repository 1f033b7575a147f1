import type { HubProgress } from '../embedding/hub/download.js';
import { formatBytes } from './format.js';
import type { Output } from './output.js';
import { PLAIN_INTERVAL_MS } from './progress.js';

/**
 * A model's download (the onnx provider's first use, `cw model pull`): on a TTY the live line,
 * cleared when a file is complete (a search's results follow it); off one, a line when a file
 * starts, a heartbeat every few seconds and one when it is complete, so that a CI log shows a
 * ~190 MB download alive rather than a run that says nothing for minutes.
 */
export class DownloadView {
  private file: string | null = null;
  private lastPlain = -Infinity;

  constructor(
    private readonly out: Output,
    private readonly intervalMs: number = PLAIN_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  update(p: HubProgress): void {
    const done = p.received >= p.total;
    const text = `downloading ${p.file} · ${Math.floor((100 * p.received) / Math.max(1, p.total))}% · ${formatBytes(p.received)} of ${formatBytes(p.total)}`;
    if (this.out.interactive) {
      if (done) this.out.stopProgress();
      else this.out.progress(text);
      return;
    }
    const started = p.file !== this.file;
    this.file = p.file;
    const now = this.now();
    if (started || done || now - this.lastPlain >= this.intervalMs) {
      this.lastPlain = now;
      this.out.heartbeat(text);
    }
  }
}
