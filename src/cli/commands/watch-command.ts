import { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { RunSummary } from '../../pipeline/summary.js';
import { Watcher, type WatchEvent } from '../../watch/watcher.js';
import { fmt, formatDuration } from '../progress.js';
import { Shutdown } from '../lifecycle.js';
import { addCommonOptions, addEmbeddingOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import type { Output } from '../output.js';
import { refuseBroadRoot, withSession } from '../runtime.js';

export function watchCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('watch')
    .description('keep the index in step with the working tree: index what changed, as it changes, until stopped (Ctrl-C)')
    .argument('[path]', 'repository to watch (default: the one around the working directory)');
  addEmbeddingOptions(cmd);
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText('after', '\n--json prints one JSON document per line: {"type":"indexed"|"retrying"|"watching"|"warning"|"indexing", …}.');
  return cmd.action(async (rootArg: string | undefined, opts: OverrideOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, session, graceMs }) => {
        refuseBroadRoot('watch', session.root);
        const shutdown = new Shutdown({
          graceMs,
          onFirstSignal: (signal) => out.info(`${signal}: stopping after the batch in progress (Ctrl-C again to stop now)`),
          onForce: () => session.destroyConnections(),
        }).install();
        const watcher = new Watcher({
          session,
          debounceMs: session.config.watch.debounce_ms,
          signal: shutdown.signal,
          forceSignal: shutdown.forceSignal,
          onEvent: (event) => reportWatchEvent(out, event),
        });
        try {
          await watcher.run();
          out.stopProgress();
          return shutdown.interrupted ? ExitCode.Interrupted : ExitCode.Ok;
        } catch (err) {
          out.stopProgress();
          if (shutdown.interrupted) return ExitCode.Interrupted;
          throw err;
        } finally {
          shutdown.dispose();
        }
      }),
    ),
  );
}

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
