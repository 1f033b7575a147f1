/**
 * The index run's orchestrator: the stages in order, each in a module of its own — change
 * detection, admission with backpressure, batching, the vector source, the write queue,
 * reconciliation — with the ledger counting and the failure policy deciding what a failed
 * batch means.
 */
import { realpath } from 'node:fs/promises';
import type { Chunk } from '../chunking/chunk.js';
import { readSourceFile, type ReadResult } from '../discovery/read.js';
import { redactSecrets } from '../discovery/secret-scan.js';
import type { SkipReason } from '../discovery/skip-reasons.js';
import { recordableStatKey, type StatData } from '../discovery/stat-data.js';
import { inShard } from '../discovery/shard.js';
import { walkFileGroups, walkOptionsFor, type DiscoveredFile } from '../discovery/walk.js';
import { searchModeOf, type FileWrite, type StoredChunk } from '../store/vector-store.js';
import { Batcher } from './batcher.js';
import { ChangeDetection, contentSignatureOf, skipSignatureOf } from './change-detection.js';
import { atLeast, flatten, inGroups, mapConcurrent } from './concurrent.js';
import { classifyFailure, isAbortError as isAbort, OUTAGE_BATCHES } from './failure-policy.js';
import { Ledger } from './ledger.js';
import { removeUnseen } from './reconcile.js';
import type { IndexRunDeps, IndexRunOptions } from './run-options.js';
import { Semaphore } from './semaphore.js';
import type { RunSummary } from './summary.js';
import { vectorSource, type VectorSource } from './vector-source.js';
import { WriteQueue } from './write-queue.js';

/** Files read from disk at once: enough to hide I/O latency, few enough to keep memory flat. */
const READ_CONCURRENCY = 16;
/** Files whose recorded hashes are looked up in one store query (one round trip for Qdrant). */
const LOOKUP_GROUP = 64;

/** A new or changed file of a group, its chunks on their way from the chunker. */
interface ChangedFile {
  file: DiscoveredFile;
  fileHash: string;
  chunks: Promise<Chunk[]>;
}

export type { IndexRunDeps, IndexRunOptions } from './run-options.js';
export type { ReconcileScope } from './reconcile.js';

export type { IndexPhase, IndexProgress } from './ledger.js';

/** One new or changed file travelling through the pipeline until all its chunks are written. */
interface FileJob {
  path: string;
  fileHash: string;
  /** The walk's stat of the file, recorded with it when not racy. */
  stat?: StatData;
  language: string;
  chunks: StoredChunk[];
  /** Chunks still waiting for a vector. */
  waiting: number;
  failed: boolean;
  /** Backpressure permits held until the file is written or failed. */
  permits: number;
}

interface BatchItem {
  job: FileJob;
  chunk: StoredChunk;
}

/**
 * The streaming index run: discover → read and hash → decide (new / changed / unchanged /
 * deleted) → chunk → batch → embed (bounded concurrency) → write → record the file.
 *
 * Memory stays flat: files are pulled from the walk only while fewer than `maxPendingChunks`
 * chunks are between chunking and the store. The one structure that grows with the tree is
 * the set of paths seen, needed to find deleted files (about 100 bytes a file).
 */
export class IndexRun {
  /** Every figure of the summary and of progress. */
  private readonly ledger = new Ledger();
  private readonly summary = this.ledger.summary;
  private readonly pending: Semaphore;
  private readonly embedSlots: Semaphore;
  private readonly batcher: Batcher<BatchItem>;
  private readonly inflight = new Set<Promise<void>>();
  private readonly seen = new Set<string>();
  /** Files left out for their content this run (by reading them, or by their recorded stat data). */
  private readonly seenSkipped = new Set<string>();
  /** Reused, embedded, or (a dry run) counted only. */
  private readonly vectors: VectorSource;
  private readonly writes: WriteQueue<FileJob>;
  private fatal: unknown = null;
  /** Batches failed in a row on connection errors, timeouts or 5xx (reset by any success). */
  private outageStreak = 0;
  private readonly dense: boolean;
  private readonly writeBatchChunks: number;
  /** A sharded run's own part of the tree (undefined: the whole tree). */
  private readonly inPart: ((path: string) => boolean) | undefined;
  /** Aborted on the first signal or on a fatal error. */
  private readonly stop = new AbortController();
  /** Aborted when nothing in flight can help any more (fatal error, provider down): requests are cancelled. */
  private readonly cancel = new AbortController();
  /** What embedding requests listen to: the forced stop, or our own cancellation. */
  private readonly requestSignal: AbortSignal;

  /**
   * What a file's recorded hash and stat data are taken under: the chunker's signature, and the
   * secret rules' version when they apply. Another one re-reads and re-chunks every file, so
   * turning redaction on (or new rules) takes effect on files already indexed.
   */
  private readonly contentSignature: string;
  private readonly changes: ChangeDetection;

  constructor(
    private readonly deps: IndexRunDeps,
    private readonly options: IndexRunOptions,
  ) {
    const { embedder } = deps;
    this.vectors = vectorSource({ store: deps.store, embedder, reuse: !options.full, ledger: this.ledger }, options.dryRun, Boolean(options.deferVectors));
    this.contentSignature = contentSignatureOf(deps.chunker.signature, { redactSecrets: options.indexing.redact_secrets, skipGenerated: options.indexing.skip_generated });
    this.changes = new ChangeDetection({
      store: deps.store,
      contentSignature: this.contentSignature,
      skipSignature: skipSignatureOf(options.indexing.skip_generated),
      full: options.full,
      ledger: this.ledger,
      seen: this.seen,
      seenSkipped: this.seenSkipped,
      skip: (path, reason, afterRead) => this.skip(path, reason, afterRead),
      record: (write) => {
        if (!options.dryRun) this.writes.inTurn(() => write(deps.store));
      },
      stopping: () => this.stop.signal.aborted,
    });
    this.dense = embedder.dimensions !== null;
    const batchItems = Math.max(1, Math.min(options.batchSize, embedder.limits.maxBatchItems));
    this.batcher = new Batcher<BatchItem>(
      batchItems,
      embedder.limits.maxBatchTokens,
      (item) => item.chunk.tokens,
      (batch) => this.dispatch(batch),
    );
    this.embedSlots = new Semaphore(Math.max(1, options.concurrency));
    this.writeBatchChunks = options.writeBatchChunks ?? (this.dense ? Math.max(256, batchItems) : 2000);
    this.writes = new WriteQueue<FileJob>({
      batchChunks: this.writeBatchChunks,
      chunksOf: (job) => job.chunks.length,
      // A dry run asks the store what the write would do: the same figures, nothing written.
      write: async (jobs) => {
        const writes = jobs.map((job) => toFileWrite(job, this.contentSignature));
        const result = options.dryRun ? await deps.store.planWrite(writes) : await deps.store.writeFiles(writes);
        this.ledger.written(jobs.length, result.chunksWritten, result.chunksDeleted);
      },
      stopped: () => Boolean(this.fatal),
      onFailure: (err) => this.fail(err),
      settle: (jobs) => {
        for (const job of jobs) this.pending.release(job.permits);
      },
    });
    // Enough chunks in flight to keep every embedding slot busy with a batch queued behind it.
    this.pending = new Semaphore(Math.max(batchItems * (options.concurrency + 2) * 2, this.writeBatchChunks * 2));
    const shard = options.shard;
    this.inPart = shard && shard.count > 1 ? (path) => inShard(path, shard) : undefined;
    this.requestSignal = deps.forceSignal ? AbortSignal.any([deps.forceSignal, this.cancel.signal]) : this.cancel.signal;
    if (deps.signal.aborted) this.stop.abort();
    else deps.signal.addEventListener('abort', this.onStop, { once: true });
  }

  /** Stops taking files when the run's signal aborts; removed when the run ends (see run()). */
  private readonly onStop = (): void => this.stop.abort();

  async run(): Promise<RunSummary> {
    const { embedder, store } = this.deps;
    const s = this.summary;
    s.provider = embedder.provider;
    s.model = embedder.model;
    s.search_mode = searchModeOf(embedder.dimensions);
    s.store = store.kind;
    s.store_location = store.location;
    s.dry_run = this.options.dryRun;
    s.rebuild_pending = Boolean(this.options.rebuild) && !this.options.dryRun;

    const progressTimer = setInterval(() => this.report(), 250);
    progressTimer.unref();
    try {
      await this.indexFiles();
      if (this.fatal) throw this.fatal;
      if (!this.stop.signal.aborted) {
        this.warnUnmatchedFilter();
        this.ledger.phase = 'deleting';
        const { filter, scope, shard, dryRun } = this.options;
        await removeUnseen({ store, root: this.deps.root, seen: this.seen, filter, scope, shard, inPart: this.inPart, dryRun, ledger: this.ledger });
        // A walk of the whole tree knows every file left out for its content: forget the others.
        if (!this.options.dryRun && !this.options.filter && !this.options.scope && !this.options.shard && !this.deps.files) {
          await this.deps.store.pruneSkips?.(this.seenSkipped).catch(() => {});
        }
      }
      if (this.fatal) throw this.fatal;
    } finally {
      clearInterval(progressTimer);
      // A signal that outlives the run (a watcher's, combined by AbortSignal.any, which Node keeps
      // alive while it has listeners) must not keep the run, and the set of every path it saw:
      // cw watch grew by ~5 MB a branch switch until this was removed.
      this.deps.signal.removeEventListener('abort', this.onStop);
      this.ledger.phase = 'done';
      this.stamp(s);
      s.store_requests = store.stats();
      const embedderStats = embedder.stats();
      if (embedder.provider !== 'local') s.providers[embedder.provider] = embedderStats;
      if (this.options.dryRun && embedder.pricePerMillionTokens !== null) {
        s.estimated_cost_usd = Number(((s.tokens / 1e6) * embedder.pricePerMillionTokens).toFixed(6));
      }
      this.report();
    }
    return s;
  }

  /** The pre-count of files in scope, when it is known (it runs beside the real walk). */
  setExpectedTotal(total: number): void {
    this.ledger.expectedTotal = total;
  }

  /**
   * The figures so far, as a finished summary would report them: what a forced exit prints
   * when it cannot wait for the run to return.
   */
  snapshot(): RunSummary {
    return this.stamp(structuredClone(this.summary));
  }

  /** The figures that describe the run as of now: interrupted, duration, peak memory. */
  private stamp(s: RunSummary): RunSummary {
    s.interrupted = this.deps.signal.aborted;
    s.duration_ms = Math.round(this.ledger.elapsedMs());
    s.peak_rss_bytes = process.resourceUsage().maxRSS * 1024;
    return s;
  }

  private async indexFiles(): Promise<void> {
    const { root } = this.deps;
    const { indexing } = this.options;
    // Files come in groups (a directory's at a time): one async step and one store lookup per group.
    const groups = this.deps.files
      ? inGroups(this.ownPart(this.deps.files(this.stop.signal)), LOOKUP_GROUP)
      : walkFileGroups(root, {
          ...walkOptionsFor(indexing, this.options.filter),
          part: this.inPart,
          signal: this.stop.signal,
          onSkip: (path, reason) => this.skip(path, reason, false),
        });
    const counted = this.countDiscovered(atLeast(groups, LOOKUP_GROUP));
    // --full re-reads everything; otherwise files whose stat data are as recorded are not read.
    const toRead = this.options.full ? flatten(counted) : this.changes.toRead(counted);
    // Reads are checked against the real root on the opened descriptor (a path swapped for a
    // symlink after the walk is not followed out of the repository).
    const realRoot = await realpath(root).catch(() => undefined);
    const reads = mapConcurrent(toRead, READ_CONCURRENCY, async (file) => {
      this.ledger.opened();
      return { file, read: await readSourceFile(file, { maxFileSize: indexing.max_file_size, realRoot, skipGenerated: indexing.skip_generated }) };
    });
    // One group of lookahead: the next group is looked up and handed to the chunker before the
    // current one's files are admitted, so a chunker thread has work while this thread admits,
    // embeds and writes. Taking turns, the chunk thread idled ~40% of a dense run and this one ~33%.
    let admitting: Promise<void> = Promise.resolve();
    try {
      for await (const group of inGroups(reads, LOOKUP_GROUP)) {
        if (this.stop.signal.aborted) break;
        const changed = await this.decide(group);
        await admitting; // files are admitted in the walk's order
        admitting = this.admitChanged(changed);
        admitting.catch(() => {}); // awaited at the next group or below; only keeps it from being "unhandled" meanwhile
      }
      await admitting;
    } catch (err) {
      await admitting.catch(() => {}); // nothing of the run may still be admitting when it finishes
      // Ctrl-C stops the walk by aborting it: that is the interruption, not a failure.
      // Anything else (a failed lookup or walk) ends the run, but only after the work in flight
      // has settled: no write may land after the caller has closed the store.
      if (!(this.deps.signal.aborted && isAbort(err))) this.fail(err);
    }
    this.ledger.discoveryDone = true;
    this.ledger.phase = 'finishing';
    // The last partial batch holds chunks of admitted files: it runs even after Ctrl-C.
    this.batcher.flush();
    await this.drainEmbeds();
    this.writes.flush();
    await this.writes.settled();
  }

  /** Files given to the run, less those of other shards. */
  private async *ownPart(files: AsyncIterable<DiscoveredFile>): AsyncIterable<DiscoveredFile> {
    for await (const file of files) if (!this.inPart || this.inPart(file.path)) yield file;
  }

  private async *countDiscovered(groups: AsyncIterable<DiscoveredFile[]>): AsyncGenerator<DiscoveredFile[]> {
    for await (const group of groups) {
      if (this.stop.signal.aborted) return;
      this.ledger.found(group.length);
      yield group;
    }
  }

  /**
   * The new and changed files of a group, handed to the chunker together: a parallel chunker
   * parses them at once on its threads; the in-thread one takes them in turn. Admission stays
   * in order.
   */
  private async decide(group: Array<{ file: DiscoveredFile; read: ReadResult }>): Promise<ChangedFile[]> {
    return (await this.changes.changed(group)).map(({ file, fileHash, text }) => {
      const chunks = this.deps.chunker.chunkFile({ path: file.path, language: file.language, text: this.withoutSecrets(file.path, text) });
      chunks.catch(() => {}); // observed in admitChanged, in order; this only keeps a later rejection from being "unhandled"
      return { file, fileHash, chunks };
    });
  }

  /** Admits the changed files of a group, in order, as their chunks arrive: to the batcher, or straight to the writes. */
  private async admitChanged(changed: ChangedFile[]): Promise<void> {
    for (const { file, fileHash, chunks: pending } of changed) {
      const chunks = await pending;
      if (this.stop.signal.aborted) return;
      const parser = this.deps.chunker.backendOf?.(file.language);
      if (parser) this.ledger.parsedBy(file.language, parser);
      const job: FileJob = {
        path: file.path,
        fileHash,
        stat: file.stat,
        language: file.language,
        chunks: chunks.map((c) => ({ ...c, vector: null })),
        waiting: chunks.length,
        failed: false,
        permits: 0,
      };
      await this.admit(job);
      if (!this.dense || job.chunks.length === 0) {
        this.ledger.tokens(job.chunks.reduce((n, c) => n + c.tokens, 0));
        this.writes.enqueue(job);
        continue;
      }
      for (const chunk of job.chunks) this.batcher.add({ job, chunk });
    }
  }

  /** The text to chunk: with every secret found replaced (indexing.redact_secrets), each one counted. */
  private withoutSecrets(path: string, text: string): string {
    if (!this.options.indexing.redact_secrets) return text;
    const scan = redactSecrets(text);
    for (const { line, rule } of scan.redactions) this.deps.onSecret?.(path, line, rule);
    this.ledger.secretsRedacted(scan.redactions.length);
    return scan.text;
  }

  /**
   * Backpressure: wait until the file's chunks fit among those in flight. Permits come back as
   * batches are embedded and written, so what is buffered moves on only when nothing else
   * would free them: the batcher's partial batch when an embedding slot would otherwise idle,
   * queued writes when no batch is in flight. Flushing the batcher at every wait sends a third
   * of a dense run's requests part-empty, each taking a slot for a whole round trip (measured:
   * 344 requests against 278, 7-11% fewer chunks/s; bench/README.md, "Indexing, dense"). A
   * lexical run has no batches in flight: its queued writes go at every wait.
   */
  private async admit(job: FileJob): Promise<void> {
    job.permits = this.pending.clamp(job.chunks.length);
    if (this.pending.tryAcquire(job.permits)) return;
    let admitted = false;
    const acquired = this.pending.acquire(job.permits).then(() => {
      admitted = true;
    });
    while (!admitted) {
      if (this.inflight.size < this.options.concurrency) this.batcher.flush();
      if (this.inflight.size === 0) this.writes.flush();
      // Woken by the permits, or by a batch ending (its slot is free, or its writes are queued).
      await Promise.race([acquired, ...[...this.inflight].map((task) => task.catch(() => {}))]);
    }
  }

  private dispatch(batch: BatchItem[]): void {
    const task = this.embedBatch(batch).finally(() => this.inflight.delete(task));
    this.inflight.add(task);
  }

  private async embedBatch(batch: BatchItem[]): Promise<void> {
    await this.embedSlots.acquire();
    try {
      // After a fatal error nothing more can succeed. After Ctrl-C, batches already formed still
      // run: they belong to files already admitted, and finishing those files is what keeps
      // their embedding work (paid for) from being thrown away; the grace period bounds it.
      if (this.fatal || this.ledger.aborted) {
        for (const job of new Set(batch.map((b) => b.job))) this.abandon(job);
        return;
      }
      const vectors = await this.vectors.vectorsFor(batch.map((b) => b.chunk), this.requestSignal);
      if (this.requestSignal.aborted) throw abortReasonOf(this.requestSignal);
      this.outageStreak = 0;
      batch.forEach((item, i) => {
        item.chunk.vector = vectors[i] ?? null;
      });
      for (const item of batch) {
        if (--item.job.waiting === 0 && !item.job.failed) this.writes.enqueue(item.job);
      }
    } catch (err) {
      const verdict = classifyFailure(err);
      if (this.cancel.signal.aborted && verdict === 'abort') {
        // Cancelled by us after the run was stopped: not the file's failure.
        for (const job of new Set(batch.map((b) => b.job))) this.abandon(job);
        return;
      }
      if (this.deps.signal.aborted) {
        // Interrupted: a batch cut off by the forced stop is not the file's fault. It is not
        // recorded, and the next run does it again.
        for (const job of new Set(batch.map((b) => b.job))) this.abandon(job);
        if (verdict === 'fatal') this.fail(err);
        return;
      }
      if (verdict === 'fatal') {
        this.fail(err);
        for (const job of new Set(batch.map((b) => b.job))) this.abandon(job);
        return;
      }
      const message = oneLine(err);
      const jobs = new Set(batch.map((b) => b.job));
      if (verdict === 'outage') {
        // One line per batch, not per file: a provider outage is not each file's problem.
        for (const job of jobs) this.failFile(job, message, false);
        if (++this.outageStreak >= OUTAGE_BATCHES && !this.ledger.aborted) this.abortRun(this.outageReason(message));
        else if (!this.ledger.aborted) this.deps.onWarning?.(`${message} — ${jobs.size} file${jobs.size === 1 ? '' : 's'} left for the next run`);
        return;
      }
      for (const job of jobs) this.failFile(job, message);
    } finally {
      this.embedSlots.release();
    }
  }

  private async drainEmbeds(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private failFile(job: FileJob, message: string, announce = true): void {
    if (job.failed) return;
    job.failed = true;
    this.ledger.failed(job.path, message);
    if (announce) this.deps.onFileFailed?.(job.path, message);
    else this.deps.onFileDeferred?.(job.path, message);
    this.pending.release(job.permits);
  }

  /**
   * Stops the run for a reason that is not a file's fault (the provider is down): no new file
   * is taken, batches not yet sent are dropped, the files already complete are written. The
   * run still returns its summary, with `aborted` saying why.
   */
  private abortRun(reason: string): void {
    this.ledger.abort(reason);
    this.stop.abort();
    this.cancel.abort(new DOMException(reason, 'AbortError'));
  }

  private outageReason(lastError: string): string {
    const { provider, endpoint } = this.deps.embedder;
    return `${provider}${endpoint ? ` at ${endpoint}` : ''} is not answering: ${OUTAGE_BATCHES} batches in a row failed after their retries (last: ${lastError}) — check the service or embedding.base_url, then rerun cw index to finish`;
  }

  /** Drops a file from this run without recording it (interrupted or fatal): the next run redoes it. */
  private abandon(job: FileJob): void {
    if (job.failed) return;
    job.failed = true;
    this.pending.release(job.permits);
  }

  private fail(err: unknown): void {
    if (!this.fatal) this.fatal = err;
    this.stop.abort();
    this.cancel.abort(new DOMException('the run failed', 'AbortError'));
  }

  private skip(path: string, reason: SkipReason, afterRead: boolean): void {
    this.ledger.skipped(reason, afterRead);
    this.deps.onSkip?.(path, reason);
  }

  private warnUnmatchedFilter(): void {
    const filter = this.options.filter;
    if (!filter) return;
    if (filter.include.length > 0 && !filter.includeMatched) {
      this.deps.onWarning?.(`--include ${filter.include.join(' ')} matches no file in the index's scope — nothing was indexed; check the globs`);
    }
    if (filter.exclude.length > 0 && !filter.excludeMatched) {
      this.deps.onWarning?.(`--exclude ${filter.exclude.join(' ')} matches no file — it changed nothing; check the globs`);
    }
  }

  private report(): void {
    this.deps.onProgress?.(this.ledger.progress());
  }

}


function toFileWrite(job: FileJob, signature: string): FileWrite {
  const stat = job.stat ? recordableStatKey(job.stat, signature) : null;
  return { path: job.path, fileHash: job.fileHash, language: job.language, chunks: job.chunks, stat };
}

function abortReasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}
