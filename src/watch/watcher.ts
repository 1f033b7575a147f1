/**
 * `cw watch`'s core: keeps an index in step with its working tree for as long as it runs.
 * File events are coalesced into batches (a quiet period, bounded by a longest wait); each
 * batch is one incremental run of the session over just the changed paths, with every
 * guarantee of `cw index` (a file recorded only with all its chunks, nothing twice). A failed
 * batch — the provider or the store unreachable — is kept and retried with backoff, merged
 * with whatever changed meanwhile; the watcher ends only when asked to, or on an error no
 * retry can mend (a bad key, an index built with another model).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { outermostPaths } from '../discovery/walk.js';
import { quotePath } from '../quote-path.js';
import { isFatal } from '../errors.js';
import type { IndexRequest, Session } from '../session/session.js';
import type { RunSummary } from '../pipeline/summary.js';
import { ChangeSet, MAX_BATCH_PATHS } from './change-set.js';
import { watchTree, type TreeEvents } from './tree-events.js';

/** `catch_up`: the first run, over the whole tree (changes made while nothing watched); `changes`: a batch of events. */
export type BatchKind = 'catch_up' | 'changes';

/** What the watcher tells its front end; `cw watch --json` prints each as one line. */
export type WatchEvent =
  | { type: 'indexing'; kind: BatchKind; paths: number | null }
  | { type: 'indexed'; kind: BatchKind; paths: number | null; summary: RunSummary }
  | { type: 'watching'; root: string }
  | { type: 'retrying'; kind: BatchKind; paths: number | null; attempt: number; retry_in_ms: number; reason: string }
  /** The configuration file was edited: settings now in use (`applied`), and those that need a restart. */
  | { type: 'config'; file: string; applied: string[]; restart: string[] }
  | { type: 'warning'; message: string };

export interface WatcherOptions {
  session: Session;
  /** Quiet time after the last event before a batch runs (default: the session's `watch.debounce_ms`). */
  debounceMs?: number;
  /** Stop: no new batch starts; a batch in progress finishes the files it holds. */
  signal: AbortSignal;
  /** Forced stop: requests in flight are cancelled. */
  forceSignal?: AbortSignal;
  onEvent(event: WatchEvent): void;
  /** Delay before the first retry of a failed batch, doubled per attempt up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
}

/**
 * Where a watcher is: `starting` until the file events of the tree are being received (its
 * subscription made: seconds on a large tree, longer while a checkout shakes it), `watching`
 * from then on, `off` once it ended.
 */
export type WatchState = 'starting' | 'watching' | 'off';

/** A batch waits at most this many quiet periods (events that never stop do not starve the index). */
const MAX_WAIT_PERIODS = 8;
/** Runs in a row that fail only some files, before those files wait for their next change. */
const MAX_FILE_ATTEMPTS = 3;
const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 60_000 };

export class Watcher {
  private readonly changes = new ChangeSet();
  private firstEventAt: number | null = null;
  private lastEventAt = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  /** The configuration file, when it changed since the last batch. */
  private configEdit: string | null = null;
  private current: WatchState = 'starting';
  private readonly wakeOnStop = (): void => this.wake?.();

  constructor(private readonly options: WatcherOptions) {}

  /** Whether file events are being received yet (for MCP index_status). */
  get state(): WatchState {
    return this.current;
  }

  /** Watches until `signal` aborts (resolves) or an error no retry mends (rejects). */
  async run(): Promise<void> {
    try {
      await this.watch();
    } finally {
      this.current = 'off';
    }
  }

  private async watch(): Promise<void> {
    const { session, signal } = this.options;
    // The only writer for as long as it watches: a `cw index` beside it is refused, and told why.
    await session.reserveWriter('watch');
    const events = await this.subscribe();
    // From here no change is missed: what changes during the catch-up is its next batch.
    this.current = 'watching';
    try {
      await this.runBatch('catch_up', ['']);
      if (!signal.aborted) this.options.onEvent({ type: 'watching', root: session.root });
      while (!signal.aborted) {
        await this.nextBatch();
        // An edited configuration is read once the tree is quiet, before the batch: a file read
        // while it was being written could parse as something else (an empty file is defaults).
        if (this.configEdit !== null && !signal.aborted) await this.applyConfig(this.configEdit);
        if (this.failure) throw this.failure;
        if (signal.aborted) break;
        // A burst too large to name path by path (a checkout, an unpacked archive) can outrun the
        // backend's event queue, whose overflow loses events silently (inotify's holds 16,384 by
        // default; @parcel/watcher does not report it): once it settles, the whole tree is walked
        // as well, which the stat data make cheap where nothing changed.
        const burst = this.changes.size > MAX_BATCH_PATHS;
        await this.runBatch('changes', this.changes.take());
        if (burst && !signal.aborted) {
          this.changes.add('');
          this.poke();
        }
      }
    } finally {
      await events.close();
    }
  }

  private async subscribe(): Promise<TreeEvents> {
    const { session } = this.options;
    const root = realpathSync(session.root);
    const store = await session.openStore();
    const configFile = session.loaded.filepath && path.relative(root, realOrSelf(session.loaded.filepath)).split(path.sep).join('/');
    return watchTree(root, {
      // The index's own writes must not look like changes (a loop of runs), wherever it lives.
      ignorePrefixes: store.localFiles.map((file) => path.join(realOrSelf(path.dirname(file)), path.basename(file))),
      onPaths: (paths) => {
        for (const p of paths) {
          this.changes.add(p);
          if (p === configFile) this.configEdit = p;
        }
        this.poke();
      },
      onReset: () => {
        this.changes.add('');
        this.poke();
      },
      onError: (err) => {
        this.failure = err;
        this.poke();
      },
    });
  }

  /**
   * The configuration file changed: the session takes what applies live (a changed scope walks
   * the whole tree in this batch); what needs a restart is named. A file that no longer loads
   * changes nothing, and says why.
   */
  private async applyConfig(file: string): Promise<void> {
    this.configEdit = null;
    try {
      const change = await this.options.session.reconfigure();
      if (change.live.length === 0 && change.restart.length === 0) return;
      this.options.onEvent({ type: 'config', file, applied: change.live, restart: change.restart });
      if (change.live.some((key) => key.startsWith('indexing.'))) this.changes.add('');
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      this.options.onEvent({ type: 'warning', message: `${file}: ${message} — the settings in use are kept` });
    }
  }

  private poke(): void {
    const now = Date.now();
    this.firstEventAt ??= now;
    this.lastEventAt = now;
    this.wake?.();
  }

  /** Resolves once changes are pending and quiet for a debounce period (or waited long enough), or on stop. */
  private async nextBatch(): Promise<void> {
    const { signal } = this.options;
    const debounceMs = this.options.debounceMs ?? this.options.session.config.watch.debounce_ms;
    for (;;) {
      if (signal.aborted || this.failure) return;
      if (this.changes.size === 0) {
        this.firstEventAt = null;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          signal.addEventListener('abort', this.wakeOnStop, { once: true });
        });
        // Removed each time: one listener per batch would pile up over hours of watching.
        signal.removeEventListener('abort', this.wakeOnStop);
        this.wake = null;
        continue;
      }
      const now = Date.now();
      const quiet = now - this.lastEventAt;
      const waited = now - (this.firstEventAt ?? now);
      const longest = debounceMs * MAX_WAIT_PERIODS;
      if (quiet >= debounceMs || waited >= longest) {
        this.firstEventAt = null;
        return;
      }
      await this.pause(Math.min(debounceMs - quiet, longest - waited));
    }
  }

  /**
   * One batch, until it is done: a failed run is retried with backoff (the provider or store
   * may be down for a while), each retry taking in what changed meanwhile.
   */
  private async runBatch(kind: BatchKind, paths: string[]): Promise<void> {
    const { session, signal, onEvent } = this.options;
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    let attempt = 0;
    let fileAttempts = 0;
    for (;;) {
      if (signal.aborted) return;
      const count = kind === 'catch_up' && paths.length === 1 && paths[0] === '' ? null : paths.length;
      const failed: Array<{ path: string; error: string }> = [];
      const deferred: string[] = [];
      let reason: string;
      let retry = paths;
      onEvent({ type: 'indexing', kind, paths: count });
      try {
        const summary = await session.index(this.request(paths, failed, deferred));
        onEvent({ type: 'indexed', kind, paths: count, summary });
        if (summary.interrupted) return;
        // Files that failed on their own (a file the provider refuses) get a few more runs;
        // files the provider or store never answered for are retried until it is back.
        const again = failed.length > 0 && ++fileAttempts < MAX_FILE_ATTEMPTS;
        if (summary.aborted) {
          reason = summary.aborted;
        } else if (deferred.length > 0 || again) {
          const first = failed[0];
          reason = deferred.length > 0 ? `${deferred.length} file${deferred.length === 1 ? '' : 's'} left for later (the service did not answer)` : `${failed.length} file${failed.length === 1 ? '' : 's'} failed (${quotePath(first!.path)}: ${first!.error})`;
          retry = [...deferred, ...(again ? failed.map((f) => f.path) : [])];
          if (!again) this.gaveUp(failed);
        } else {
          this.gaveUp(failed);
          return;
        }
      } catch (err) {
        if (signal.aborted) return;
        // A refused key or an index of another model: no retry mends it.
        if (isFatal(err)) throw err;
        reason = err instanceof Error ? err.message : String(err);
      }
      attempt++;
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1));
      onEvent({ type: 'retrying', kind, paths: count, attempt, retry_in_ms: delay, reason: reason.split('\n')[0]! });
      await this.pause(delay);
      paths = outermostPaths([...retry, ...this.changes.take()]);
    }
  }

  private gaveUp(failed: Array<{ path: string; error: string }>): void {
    if (failed.length === 0) return;
    this.options.onEvent({
      type: 'warning',
      message: `${failed.length} file${failed.length === 1 ? '' : 's'} still failed after ${MAX_FILE_ATTEMPTS} runs (${quotePath(failed[0]!.path)}: ${failed[0]!.error}); each is tried again when it changes`,
    });
  }

  private request(paths: string[], failed: Array<{ path: string; error: string }>, deferred: string[]): IndexRequest {
    const { signal, forceSignal } = this.options;
    return {
      paths,
      signal,
      forceSignal,
      onFileFailed: (p, error) => failed.push({ path: p, error }),
      onFileDeferred: (p) => deferred.push(p),
    };
  }

  /** Waits, unless the watcher is stopped first. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.options.signal }).catch(() => {});
  }
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
