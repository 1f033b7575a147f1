import { realpath } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Chunk } from '../chunking/chunk.js';
import { sha256Hex } from '../ids.js';
import type { Chunker } from '../chunking/chunker.js';
import type { IndexingConfig } from '../config/schema.js';
import { CONTENT_CHECKS_VERSION, CONTENT_VERDICTS, readSourceFile, type ReadResult } from '../discovery/read.js';
import { redactSecrets, SECRET_RULES_VERSION } from '../discovery/secret-scan.js';
import type { RunFilter } from '../discovery/run-filter.js';
import type { SkipReason } from '../discovery/skip-reasons.js';
import { walkFileGroups, walkOptionsFor, type DiscoveredFile } from '../discovery/walk.js';
import { recordableStatKey, statKey, type StatData } from '../discovery/stat-data.js';
import { inShard, type Shard } from '../discovery/shard.js';
import type { Embedder } from '../embedding/embedder.js';
import { classifyFailure, isAbortError as isAbort, OUTAGE_BATCHES } from './failure-policy.js';
import { searchModeOf, type FileWrite, type RecordedStat, type StoredChunk, type VectorStore } from '../store/vector-store.js';
import { Batcher } from './batcher.js';
import { atLeast, flatten, inGroups, mapConcurrent } from './concurrent.js';
import { Semaphore } from './semaphore.js';
import { vectorSource, type VectorSource } from './vector-source.js';
import { WriteQueue } from './write-queue.js';
import { removeUnseen, type ReconcileScope } from './reconcile.js';
import { emptySummary, MAX_LISTED_FAILURES, type RunSummary } from './summary.js';

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

export interface IndexRunDeps {
  root: string;
  store: VectorStore;
  embedder: Embedder;
  chunker: Chunker;
  /**
   * Aborted on the first Ctrl-C: stop taking new files; the files already admitted finish
   * (their batches are embedded and written), bounded by the CLI's grace period.
   */
  signal: AbortSignal;
  /**
   * Aborted when the user insists (second signal, or the grace period ran out): requests in
   * flight are cancelled, and the run finishes by writing the files already complete.
   */
  forceSignal?: AbortSignal;
  /**
   * The files to look at: by default a walk of the whole tree under the configured scope. A
   * watcher passes the paths that changed (a sharded run narrows the walk with `shard` instead).
   */
  files?: (signal: AbortSignal) => AsyncIterable<DiscoveredFile>;
  onProgress?: (progress: IndexProgress) => void;
  onSkip?: (path: string, reason: SkipReason) => void;
  onFileFailed?: (path: string, error: string) => void;
  /**
   * A file left for the next run through no fault of its own (the provider or store did not
   * answer its batch): counted as failed, but not announced one by one, and worth retrying.
   */
  onFileDeferred?: (path: string, reason: string) => void;
  /** One line for the user that is not a file's failure (e.g. a filter that matched nothing). */
  onWarning?: (message: string) => void;
  /** A secret found in a file and redacted before chunking: where, and by which rule (never the secret). */
  onSecret?: (path: string, line: number, rule: string) => void;
}

export interface IndexRunOptions {
  indexing: IndexingConfig;
  /** Most chunks per embedding request (capped further by the provider's limits). */
  batchSize: number;
  /** Most embedding requests in flight. */
  concurrency: number;
  /**
   * Re-embed everything: ignore recorded file hashes and reusable vectors. A dry run against
   * a missing (or incompatible) index sets it too, since nothing there can be reused.
   */
  full: boolean;
  /** Discovery and chunking only; nothing is embedded or written. */
  dryRun: boolean;
  /** Chunks per store write (one transaction / one upsert group). */
  writeBatchChunks?: number;
  /**
   * This run's --include/--exclude: files outside it are neither indexed nor removed. The
   * index's own scope is `indexing` (configuration, .gitignore, .cwignore).
   */
  filter?: RunFilter;
  /**
   * Which recorded files this run answers for: only those it may remove when it did not see
   * them. A full walk answers for every file (the default); a watcher's batch for the paths
   * that changed (a shard's part of the tree is `shard`, below).
   */
  scope?: ReconcileScope;
  /**
   * This run's shard: it walks, indexes and answers for only the files of its part of the tree
   * (their paths' keys), and never touches the other shards' files.
   */
  shard?: Shard;
}

export type { ReconcileScope } from './reconcile.js';

export type IndexPhase = 'indexing' | 'finishing' | 'deleting' | 'done';

export interface IndexProgress {
  phase: IndexPhase;
  /** Files found so far; final once `discoveryDone`. Never decreases. */
  filesTotal: number;
  /** Files in scope by a quick count made before reading (null until known): an early total. */
  expectedTotal: number | null;
  discoveryDone: boolean;
  /** Files fully handled: unchanged, indexed, failed or skipped after reading. */
  filesDone: number;
  chunksEmbedded: number;
  chunksWritten: number;
  elapsedMs: number;
}

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
  private readonly summary = emptySummary();
  private readonly started = performance.now();
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
  private filesTotal = 0;
  private expectedTotal: number | null = null;
  private filesDone = 0;
  private discoveryDone = false;
  private phase: IndexPhase = 'indexing';
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

  constructor(
    private readonly deps: IndexRunDeps,
    private readonly options: IndexRunOptions,
  ) {
    const { embedder } = deps;
    this.vectors = vectorSource({ store: deps.store, embedder, reuse: !options.full, summary: this.summary }, options.dryRun);
    this.contentSignature = options.indexing.redact_secrets ? `${deps.chunker.signature}+secrets${SECRET_RULES_VERSION}` : deps.chunker.signature;
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
        this.summary.files.indexed += jobs.length;
        this.summary.chunks.written += result.chunksWritten;
        this.summary.chunks.deleted += result.chunksDeleted;
        this.filesDone += jobs.length;
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
    else deps.signal.addEventListener('abort', () => this.stop.abort(), { once: true });
  }

  async run(): Promise<RunSummary> {
    const { embedder, store } = this.deps;
    const s = this.summary;
    s.provider = embedder.provider;
    s.model = embedder.model;
    s.search_mode = searchModeOf(embedder.dimensions);
    s.store = store.kind;
    s.store_location = store.location;
    s.dry_run = this.options.dryRun;

    const progressTimer = setInterval(() => this.report(), 250);
    progressTimer.unref();
    try {
      await this.indexFiles();
      if (this.fatal) throw this.fatal;
      if (!this.stop.signal.aborted) {
        this.warnUnmatchedFilter();
        this.phase = 'deleting';
        const { filter, scope, shard, dryRun } = this.options;
        await removeUnseen({ store, root: this.deps.root, seen: this.seen, filter, scope, shard, inPart: this.inPart, dryRun, summary: s });
        // A walk of the whole tree knows every file left out for its content: forget the others.
        if (!this.options.dryRun && !this.options.filter && !this.options.scope && !this.options.shard && !this.deps.files) {
          await this.deps.store.pruneSkips(this.seenSkipped).catch(() => {});
        }
      }
      if (this.fatal) throw this.fatal;
    } finally {
      clearInterval(progressTimer);
      this.phase = 'done';
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
    this.expectedTotal = total;
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
    s.duration_ms = Math.round(performance.now() - this.started);
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
    const toRead = this.options.full ? flatten(counted) : this.skipUnchangedByStat(counted);
    // Reads are checked against the real root on the opened descriptor (a path swapped for a
    // symlink after the walk is not followed out of the repository).
    const realRoot = await realpath(root).catch(() => undefined);
    const reads = mapConcurrent(toRead, READ_CONCURRENCY, async (file) => {
      this.summary.files.read++;
      return { file, read: await readSourceFile(file, { maxFileSize: indexing.max_file_size, realRoot }) };
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
    this.discoveryDone = true;
    this.phase = 'finishing';
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
      this.filesTotal += group.length;
      yield group;
    }
  }

  /**
   * Files whose size, times, inode and device are those recorded with them (under this
   * chunker's signature) are unchanged without being read, as git's index decides. One lookup
   * per group; files without stat data, or recorded without it (racy), go on to be read.
   */
  private async *skipUnchangedByStat(groups: AsyncIterable<DiscoveredFile[]>): AsyncGenerator<DiscoveredFile> {
    const { store } = this.deps;
    for await (const group of groups) {
      const withStat = group.filter((f) => f.stat);
      const recorded = withStat.length === 0 ? new Map<string, RecordedStat>() : await store.fileStats(withStat.map((f) => f.path));
      for (const file of group) {
        const rec = file.stat && recorded.get(file.path);
        if (rec && rec.skipped === null && rec.stat === statKey(file.stat!, this.contentSignature)) {
          this.seen.add(file.path);
          this.summary.files.scanned++;
          this.summary.files.unchanged++;
          this.summary.files.unchanged_by_stat++;
          this.filesDone++;
          continue;
        }
        // Left out for its content last time, and not written since: left out again, unread.
        if (rec && rec.skipped !== null && rec.stat === statKey(file.stat!, SKIP_SIGNATURE)) {
          this.seenSkipped.add(file.path);
          this.skip(file.path, rec.skipped as SkipReason, true);
          continue;
        }
        yield file;
      }
    }
  }

  /**
   * Which files of a group changed: unchanged ones are counted (and their new stat data
   * recorded), changed ones handed to the chunker. Returns the changed files, for admitChanged.
   */
  private async decide(group: Array<{ file: DiscoveredFile; read: ReadResult }>): Promise<ChangedFile[]> {
    const { store, chunker } = this.deps;
    const readable = group.filter((g) => g.read.ok).map((g) => g.file.path);
    const recorded = this.options.full || readable.length === 0 ? new Map<string, string>() : await store.fileHashes(readable);

    // New and changed files of the group are chunked together: a parallel chunker parses them
    // at once on its threads; the in-thread one takes them in turn. Admission stays in order.
    const changed: ChangedFile[] = [];
    const restat: Array<{ path: string; fileHash: string; stat: string }> = [];
    const skips: Array<{ path: string; stat: string; reason: string }> = [];
    for (const { file, read } of group) {
      if (!read.ok) {
        this.skip(file.path, read.reason, true);
        if (CONTENT_VERDICTS.has(read.reason)) {
          this.seenSkipped.add(file.path);
          const stat = file.stat && recordableStatKey(file.stat, SKIP_SIGNATURE);
          if (stat) skips.push({ path: file.path, stat, reason: read.reason });
        }
        continue;
      }
      this.seen.add(file.path);
      this.summary.files.scanned++;
      this.summary.bytes_read += read.bytes;
      const fileHash = this.recordedHash(read.fileHash);
      if (recorded.get(file.path) === fileHash) {
        this.summary.files.unchanged++;
        this.filesDone++;
        // Read because its stat data differed (touched, copied, checked out again): record the
        // new ones, so the next run need not read it.
        const stat = file.stat && recordableStatKey(file.stat, this.contentSignature);
        if (stat) restat.push({ path: file.path, fileHash, stat });
        continue;
      }
      if (this.stop.signal.aborted) break;
      const chunks = chunker.chunkFile({ path: file.path, language: file.language, text: this.withoutSecrets(file.path, read.text) });
      chunks.catch(() => {}); // observed below, in order; this only keeps a later rejection from being "unhandled"
      changed.push({ file, fileHash, chunks });
    }

    if (restat.length > 0 && !this.options.dryRun) this.writes.inTurn(() => store.recordStats(restat));
    if (skips.length > 0 && !this.options.dryRun) this.writes.inTurn(() => store.recordSkips(skips));
    return changed;
  }

  /** Admits the changed files of a group, in order, as their chunks arrive: to the batcher, or straight to the writes. */
  private async admitChanged(changed: ChangedFile[]): Promise<void> {
    for (const { file, fileHash, chunks: pending } of changed) {
      const chunks = await pending;
      if (this.stop.signal.aborted) return;
      const parser = this.deps.chunker.backendOf?.(file.language);
      if (parser) this.summary.parsers[file.language] = parser;
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
        this.summary.tokens += job.chunks.reduce((n, c) => n + c.tokens, 0);
        this.writes.enqueue(job);
        continue;
      }
      for (const chunk of job.chunks) this.batcher.add({ job, chunk });
    }
  }

  /**
   * What the index records for a file: its content hash under this chunker's signature, so a
   * change of chunk size re-chunks every file (vectors of unchanged chunks are still reused).
   */
  private recordedHash(contentHash: string): string {
    return sha256Hex(`${this.contentSignature}\0${contentHash}`);
  }

  /** The text to chunk: with every secret found replaced (indexing.redact_secrets), each one counted. */
  private withoutSecrets(path: string, text: string): string {
    if (!this.options.indexing.redact_secrets) return text;
    const scan = redactSecrets(text);
    for (const { line, rule } of scan.redactions) this.deps.onSecret?.(path, line, rule);
    this.summary.secrets_redacted += scan.redactions.length;
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
      if (this.fatal || this.summary.aborted) {
        for (const job of new Set(batch.map((b) => b.job))) this.abandon(job);
        return;
      }
      const vectors = await this.vectors.vectorsFor(batch.map((b) => b.chunk), this.requestSignal);
      if (this.requestSignal.aborted) throw abortReasonOf(this.requestSignal);
      this.outageStreak = 0;
      batch.forEach((item, i) => {
        item.chunk.vector = vectors[i]!;
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
        if (++this.outageStreak >= OUTAGE_BATCHES && !this.summary.aborted) this.abortRun(this.outageReason(message));
        else if (!this.summary.aborted) this.deps.onWarning?.(`${message} — ${jobs.size} file${jobs.size === 1 ? '' : 's'} left for the next run`);
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
    this.summary.files.failed++;
    this.filesDone++;
    if (this.summary.failures.length < MAX_LISTED_FAILURES) this.summary.failures.push({ path: job.path, error: message });
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
    this.summary.aborted = reason;
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
    const skipped = this.summary.files.skipped;
    skipped[reason] = (skipped[reason] ?? 0) + 1;
    if (afterRead) this.filesDone++;
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
    this.deps.onProgress?.({
      phase: this.phase,
      filesTotal: this.filesTotal,
      expectedTotal: this.expectedTotal,
      discoveryDone: this.discoveryDone,
      filesDone: this.filesDone,
      chunksEmbedded: this.summary.chunks.embedded,
      chunksWritten: this.summary.chunks.written,
      elapsedMs: performance.now() - this.started,
    });
  }
}

/** What content skips are recorded under: their verdicts change only with the content checks. */
const SKIP_SIGNATURE = `content-checks/${CONTENT_CHECKS_VERSION}`;

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
