import type { RunSummary } from '../../pipeline/summary.js';
import type { WatchEvent } from '../../watch/watcher.js';
import type { Output } from '../output.js';
import { fmt, formatDuration } from '../progress.js';

/** Each event as one JSON line (--json), or one line per batch (a live line on a TTY). */
export function reportWatchEvent(out: Output, event: WatchEvent): void {
  const time = new Date().toISOString();
  out.jsonLine({ ...event, time });
  if (out.json) return;
  switch (event.type) {
    case 'indexing':
      out.progress(event.kind === 'catch_up' ? 'catching up with changes made while nothing watched…' : `indexing ${fmt(event.paths ?? 0)} changed path${event.paths === 1 ? '' : 's'}…`);
      return;
    case 'indexed': {
      const line = `${event.kind === 'catch_up' ? 'catch-up' : `${fmt(event.paths ?? 0)} change${event.paths === 1 ? '' : 's'}`}: ${describe(event.summary)}`;
      if (out.interactive) out.progress(`${line} · ${time.slice(11, 19)} · watching`);
      else out.info(line);
      return;
    }
    case 'watching':
      if (out.interactive) out.progress(`watching ${event.root} (Ctrl-C to stop)`);
      else out.info(`watching ${event.root} (Ctrl-C to stop)`);
      return;
    case 'retrying':
      out.warn(`${event.reason} — the batch is kept; retrying in ${formatDuration(event.retry_in_ms)} (attempt ${event.attempt + 1})`);
      out.progress(`waiting to retry ${event.kind === 'catch_up' ? 'the catch-up' : `${fmt(event.paths ?? 0)} changed paths`}…`);
      return;
    case 'warning':
      out.warn(event.message);
      return;
    case 'config':
      if (event.applied.length > 0) out.info(`${event.file}: now using ${event.applied.join(', ')}`);
      if (event.restart.length > 0) out.warn(`${event.file}: ${event.restart.join(', ')} changed — restart to apply ${event.restart.length === 1 ? 'it' : 'them'}`);
      return;
  }
}

function describe(s: RunSummary): string {
  const f = s.files;
  const parts = [`${fmt(f.indexed)} indexed`];
  if (f.deleted) parts.push(`${fmt(f.deleted)} deleted`);
  if (f.out_of_scope) parts.push(`${fmt(f.out_of_scope)} out of scope`);
  if (f.failed) parts.push(`${fmt(f.failed)} failed`);
  parts.push(`${fmt(f.unchanged)} unchanged`);
  const interrupted = s.interrupted ? ' (interrupted)' : s.aborted ? ` (stopped: ${s.aborted})` : '';
  const chunks = (n: number) => `${fmt(n)} chunk${n === 1 ? '' : 's'}`;
  return `${parts.join(', ')} · ${chunks(s.chunks.written)} written, ${fmt(s.chunks.deleted)} removed in ${formatDuration(s.duration_ms)}${interrupted}`;
}
