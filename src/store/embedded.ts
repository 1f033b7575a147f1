/**
 * The embedded default store: one SQLite file (better-sqlite3, WAL) holding chunks, their
 * vectors and an FTS5 index. What `cw index .` uses with no server and no key.
 *
 * Every write batch is one transaction, so an interrupted run leaves the file consistent: a file
 * is recorded (with its hash) only together with all its chunks.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CodeweaverError, UsageError, type IndexMismatchError } from '../errors.js';
import type {
  FileWrite,
  IndexMeta,
  OpenOptions,
  SearchHit,
  SearchQuery,
  StoreStatus,
  VectorStore,
  WriteResult,
  SymbolRecord,
  RecordedStat,
} from './vector-store.js';
import { IndexReads } from './embedded/reads.js';
import { sameMeta } from './compatibility.js';
import { mismatchError, readMeta, updateBuild, writeMeta, type MetaRow } from './embedded/meta.js';
import { readMigrations } from './embedded/migrations.js';
import { symbolCandidates } from './embedded/symbols.js';
import { corruptIndexError, explainIndexError, fileSystemError, isCorrupt, isHotJournal, isNotADatabase, QUICK_CHECK_INTERVAL_MS } from './embedded/damage.js';
import {
  applyReadPragmas,
  applyWritePragmas,
  assertKnownVersion,
  migrate,
  schemaVersion,
} from './embedded/schema.js';
import { Searcher } from './embedded/search.js';
import { RunLock } from './embedded/run-lock.js';
import { displayPath, fileIdentity, prepareDirectory, removeDatabaseFiles, settleOldIndex, syncDirectory } from './embedded/index-files.js';
import { ChunkWriter } from './embedded/writer.js';
import type { StoreWriteCounters, WriteThread } from './embedded/write-thread.js';
import { WriteHandoff } from './embedded/write-handoff.js';
import type { WriteOp } from './embedded/write-protocol.js';
import { bitsFit, bitsReady, loadVectorExtension, syncBits } from './embedded/vector-index.js';

type Db = Database.Database;

export interface EmbeddedStoreOptions {
  /** Absolute path of the .sqlite file. */
  path: string;
  /** Clock for created/indexed timestamps (tests pass a fixed one). */
  now?: () => Date;
  /**
   * Writes move to a thread of their own (embedded/write-thread.ts) once a run has written
   * `after` chunks; null keeps them on the calling thread. Default (undefined): after
   * WRITE_THREAD_AFTER chunks. `script` defaults to the built worker beside this module; where it
   * is missing (as when running from the TypeScript sources) writes stay on the calling thread.
   */
  writeThread?: { after: number; script?: URL } | null;
  /** false: never load sqlite-vec (CODEWEAVER_SQLITE_VEC=off); dense search scans. Default true. */
  vectorExtension?: boolean;
  /** One line for the user (the extension did not load). */
  onWarning?: (message: string) => void;
}

/**
 * Chunks a run writes on the main thread before its writes move to their own thread. Starting
 * the thread takes 90-100 ms here (a worker's start, better-sqlite3's load, the connection;
 * the run goes on meanwhile, only its writes wait) and a second connection's memory; a run that
 * writes fewer chunks (a watch batch, an edit or two, a small repository) spends less than that
 * on its writes.
 */
const WRITE_THREAD_AFTER = 2048;

export class EmbeddedStore implements VectorStore {
  readonly kind = 'embedded' as const;
  readonly location: string;
  readonly shared = false;
  /** The file, and (as a prefix) its -wal, -shm, .lock, .lock.db and .rebuild beside it. */
  readonly localFiles: readonly string[];
  private readonly now: () => Date;
  /** One writing run at a time. */
  private readonly lock: RunLock;
  /** Set by reserve(): the lock outlives each run until release(). */
  private reservedAs: string | null = null;
  /** The device and inode the read-only connection has open: a published rebuild replaces the file. */
  private readIdentity: string | null = null;
  /** The open connection's queries. */
  private queries: IndexReads | null = null;
  private db: Db | null = null;
  private writer: ChunkWriter | null = null;
  private searcher: Searcher | null = null;
  /** While a rebuild is open: the file being filled beside the live index (`<index>.rebuild`). */
  private buildPath: string | null = null;
  private readonly counters: StoreWriteCounters = { transactions: 0, rows_written: 0, rows_deleted: 0, thread_transactions: 0 };
  /** When the open run's writes move to their own thread; until then they go to `writer`. */
  private readonly handoff: WriteHandoff;
  private dimensions: number | null = null;
  /** Whether the writing connection keeps the sqlite-vec bit table (vector-index.ts). */
  private keepsBits = false;
  /** CODEWEAVER_SQLITE_VEC: false never loads the extension (the scan is used). */
  private readonly vectorExtension: boolean;
  private readonly onWarning: ((message: string) => void) | undefined;
  /** Whether the extension's failure to load was said (once per store). */
  private extensionNoted = false;
  /** Whether sqlite-vec is loaded into the connection in use. */
  private extensionLoaded = false;

  constructor(options: EmbeddedStoreOptions) {
    this.location = options.path;
    this.localFiles = [options.path];
    this.lock = new RunLock(`${options.path}.lock`, displayPath(options.path));
    this.now = options.now ?? (() => new Date());
    this.vectorExtension = options.vectorExtension ?? true;
    this.onWarning = options.onWarning;
    const chosen = options.writeThread === undefined ? { after: WRITE_THREAD_AFTER } : options.writeThread;
    this.handoff = new WriteHandoff(chosen && { script: chosen.script ?? new URL('./embedded/write-worker.js', import.meta.url), after: chosen.after }, this.counters);
  }

  /** One file on one machine keeps no sharded builds: `--shard`, `--build` and `cw publish` are refused. */
  checkOptions(options: OpenOptions, command?: string): void {
    if (options.shard && options.shard.count > 1) throw shardingRefused(command ?? '--shard');
    if (options.build !== undefined) throw shardingRefused(command ?? '--build');
  }

  mismatchError(stored: IndexMeta, wanted: IndexMeta): IndexMismatchError {
    return mismatchError(displayPath(this.location), stored, wanted);
  }

  async open(meta: IndexMeta, options: OpenOptions): Promise<void> {
    this.checkOptions(options);
    await this.stopThread();
    this.closeDb();
    try {
      prepareDirectory(this.location);
      this.lock.acquire();
    } catch (err) {
      throw fileSystemError(err, displayPath(this.location)) ?? err;
    }
    let db: Db;
    try {
      db = options.rebuild ? this.openBuild(meta) : this.openLive(meta);
    } catch (err) {
      if (!this.reservedAs) this.lock.release();
      throw this.explain(err);
    }
    try {
      this.startWriting(db, meta.dimensions);
    } catch (err) {
      db.close();
      if (!this.reservedAs) this.lock.release();
      throw this.explain(err);
    }
    this.dimensions = meta.dimensions;
    this.handoff.reset();
  }

  /** The live index, checked: created when missing, refused when built with another model or damaged. */
  private openLive(meta: IndexMeta): Db {
    const db = this.openWritable(this.location);
    try {
      this.checkIntegrityIfDue(db);
      db.transaction(() => {
        const stored = readMeta(db);
        if (stored && !sameMeta(stored, meta)) throw this.mismatchError(stored, meta);
        if (!stored) writeMeta(db, meta, this.timestamp());
        else updateBuild(db, meta.build);
      }).immediate();
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * A damaged page may sit where an incremental run never reads: SQLite's own check reads them
   * all, on the first reopen of a new index and then once a day (see QUICK_CHECK_INTERVAL_MS).
   */
  private checkIntegrityIfDue(db: Db): void {
    const row = db.prepare('SELECT last_checked_at FROM meta WHERE id = 1').get() as { last_checked_at: string | null } | undefined;
    if (!row) return; // a new, empty index
    const last = row.last_checked_at ? Date.parse(row.last_checked_at) : NaN;
    const now = this.now().getTime();
    if (Number.isFinite(last) && now - last >= 0 && now - last < QUICK_CHECK_INTERVAL_MS) return;
    const verdict = db.pragma('quick_check(1)', { simple: true });
    if (verdict !== 'ok') throw corruptIndexError(displayPath(this.location), String(verdict));
    db.prepare('UPDATE meta SET last_checked_at = ? WHERE id = 1').run(this.timestamp());
  }

  /**
   * The rebuild's own file beside the live index, which is never opened (so a damaged one is
   * no obstacle). An unfinished rebuild of the same model is resumed; anything else there
   * (another model, a damaged file) is discarded.
   */
  private openBuild(meta: IndexMeta): Db {
    const buildPath = `${this.location}.rebuild`;
    let db: Db | null = null;
    try {
      db = this.openWritable(buildPath);
      const stored = readMeta(db);
      if (stored && sameMeta(stored, meta) && db.pragma('quick_check(1)', { simple: true }) === 'ok') {
        this.buildPath = buildPath;
        return db;
      }
    } catch (err) {
      // A leftover that is damaged or not a database at all is discarded like any other.
      if (!isCorrupt(err) && !isNotADatabase(err)) throw err;
    }
    db?.close();
    removeDatabaseFiles(buildPath);
    db = this.openWritable(buildPath);
    try {
      db.transaction(() => writeMeta(db!, meta, this.timestamp())).immediate();
    } catch (err) {
      db.close();
      throw err;
    }
    this.buildPath = buildPath;
    return db;
  }

  /**
   * Makes the rebuild live: the finished file is renamed over the index in one step. Readers
   * that have the old file open keep reading it; every later open sees the new one.
   */
  async publish(): Promise<void> {
    const buildPath = this.buildPath;
    if (!buildPath || !this.db) return;
    await this.stopThread();
    const meta = readMeta(this.db)!;
    // One self-contained file: its WAL folded in and rollback journaling, so no -wal of the old
    // index can ever be read as this file's.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.pragma('journal_mode = DELETE');
    this.closeDb();
    settleOldIndex(this.location);
    renameSync(buildPath, this.location);
    syncDirectory(dirname(this.location));
    this.buildPath = null;
    const db = this.openWritable(this.location);
    try {
      this.startWriting(db, meta.dimensions);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Makes a writable connection the store's: the dense index kept in sqlite-vec where it loads
   * (built from the stored vectors when missing, marked stale where it cannot be kept), and a
   * writer that keeps it.
   */
  private startWriting(db: Db, dimensions: number | null): void {
    const loaded = this.loadExtension(db, dimensions) === null;
    this.keepsBits = syncBits(db, dimensions, loaded);
    this.attach(db, loaded);
    this.writer = new ChunkWriter(db, dimensions, this.counters, this.keepsBits);
  }

  async openReadOnly(): Promise<IndexMeta | null> {
    const meta = this.guard(() => {
      const db = this.readable();
      return db && readMeta(db);
    });
    return meta && { provider: meta.provider, model: meta.model, dimensions: meta.dimensions, ...(meta.build ? { build: meta.build } : {}) };
  }

  async fileHashes(paths: string[]): Promise<Map<string, string>> {
    return this.guard(() => this.reads()?.hashes(paths) ?? new Map());
  }

  async fileStats(paths: string[]): Promise<Map<string, RecordedStat>> {
    return this.guard(() => this.reads()?.stats(paths) ?? new Map());
  }

  async recordStats(entries: Array<{ path: string; fileHash: string; stat: string }>): Promise<void> {
    if (await this.threadReady()) return this.onThread({ op: 'recordStats', entries });
    this.guard(() => this.writable().recordStats(entries));
  }

  async recordSkips(entries: Array<{ path: string; stat: string; reason: string }>): Promise<void> {
    if (await this.threadReady()) return this.onThread({ op: 'recordSkips', entries });
    this.guard(() => this.writable().recordSkips(entries));
  }

  async pruneSkips(seen: ReadonlySet<string>): Promise<void> {
    if (await this.threadReady()) return this.onThread({ op: 'pruneSkips', seen });
    this.guard(() => this.writable().pruneSkips(seen));
  }

  async *listFiles(under?: readonly string[]): AsyncIterable<string> {
    const reads = this.reads();
    if (reads) yield* reads.paths(under);
  }

  async reusableVectors(contentHashes: string[]): Promise<Map<string, Float32Array>> {
    return this.guard(() => this.reads()?.reusableVectors(contentHashes) ?? new Map());
  }

  async writeFiles(files: FileWrite[]): Promise<WriteResult> {
    const now = this.timestamp();
    if (this.writer) {
      const chunks = files.reduce((n, f) => n + f.chunks.length, 0);
      this.handoff.wrote(chunks, { file: this.buildPath ?? this.location, dimensions: this.dimensions, bits: this.keepsBits }, () => this.writer !== null);
    }
    if (await this.threadReady()) return this.onThread({ op: 'write', files, now });
    return this.guard(() => this.writable().write(files, now));
  }

  async chunksWithoutVectors(limit: number, cursor = ''): Promise<{ rows: Array<{ contentHash: string; content: string; tokens: number }>; cursor: string }> {
    return this.guard(() => {
      this.writable();
      // In content-hash order from the cursor, on the chunks_content_hash index: a batch costs its
      // own rows (a GROUP BY over every unfilled row cost ~80 ms a batch at 100 k chunks), and the
      // batches are the same whatever order the run wrote its files in, so a model's vectors
      // (which depend, in their last bits, on what they were batched with) are the same from one
      // clean run to the next and after a stopped fill is resumed. A text's other chunks come
      // next in this order and are skipped: its fill covers every chunk of it.
      const rows: Array<{ contentHash: string; content: string; tokens: number }> = [];
      let next = cursor;
      const unfilled = this.db!.prepare('SELECT content_hash, content, tokens FROM chunks WHERE content_hash > ? AND vector IS NULL ORDER BY content_hash').raw();
      for (const [contentHash, content, tokens] of unfilled.iterate(cursor) as IterableIterator<[string, string, number]>) {
        if (contentHash === next) continue;
        if (rows.length === limit) break;
        next = contentHash;
        rows.push({ contentHash, content, tokens });
      }
      return { rows, cursor: next };
    });
  }

  async fillVectors(vectors: Map<string, Float32Array>): Promise<number> {
    // The run's writes are done: the fill commits on this thread, after whatever the write thread held.
    await this.stopThread();
    return this.guard(() => this.writable().fill(vectors));
  }

  async countWithoutVectors(): Promise<number> {
    return this.guard(() => {
      this.writable();
      return this.db!.prepare('SELECT count(*) FROM chunks WHERE vector IS NULL').pluck().get() as number;
    });
  }

  async deleteFiles(paths: string[]): Promise<number> {
    const now = this.timestamp();
    if (await this.threadReady()) return this.onThread({ op: 'delete', paths, now });
    return this.guard(() => this.writable().delete(paths, now));
  }

  /** The write thread, when the run's writes have moved there; null: write here. */
  private threadReady(): Promise<WriteThread | null> {
    return this.handoff.ready();
  }

  private async onThread<T>(request: WriteOp): Promise<T> {
    try {
      return await (await this.handoff.ready())!.call<T>(request);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** Waits for the thread's writes to commit, then ends it; writes go to `writer` again. */
  private stopThread(): Promise<void> {
    return this.handoff.stop();
  }

  async planWrite(files: FileWrite[]): Promise<WriteResult> {
    return this.reads()?.planWrite(files) ?? { chunksWritten: files.reduce((n, f) => n + f.chunks.length, 0), chunksDeleted: 0 };
  }

  async countChunks(paths: string[]): Promise<number> {
    return this.reads()?.countChunks(paths) ?? 0;
  }

  async symbolCandidates(part: string): Promise<SymbolRecord[]> {
    return this.guard(() => {
      const reads = this.reads();
      return reads ? symbolCandidates(reads.db, part) : [];
    });
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    return this.guard(() => (this.readable() ? this.searcher!.search(query) : []));
  }

  async status(): Promise<StoreStatus> {
    return this.guard(() => this.statusNow());
  }

  private statusNow(): StoreStatus {
    const reads = this.reads();
    const meta: MetaRow | null = reads ? readMeta(reads.db) : null;
    return {
      kind: this.kind,
      location: this.location,
      meta: meta && { provider: meta.provider, model: meta.model, dimensions: meta.dimensions },
      ...(reads ? reads.counts(meta?.dimensions === null) : { files: 0, chunks: 0, vectors: 0 }),
      createdAt: meta?.createdAt ?? null,
      lastIndexedAt: meta?.lastIndexedAt ?? null,
      ...(reads && meta && meta.dimensions !== null ? { denseEngine: this.extensionLoaded && bitsReady(reads.db) ? 'sqlite-vec' : 'scan' } : {}),
      ...(reads ? { migrations: readMigrations(reads.db), languages: reads.languages() } : {}),
      ...this.pendingRebuild(),
    };
  }

  /** The rebuild file beside the index, when one is waiting; read only, never repaired here. */
  private pendingRebuild(): Pick<StoreStatus, 'pendingRebuild'> {
    const buildPath = `${this.location}.rebuild`;
    if (this.buildPath === buildPath || !existsSync(buildPath)) return {}; // this session's own run is filling it
    let bytes: number | null = null;
    for (const suffix of ['', '-wal']) bytes = (bytes ?? 0) + (statSync(buildPath + suffix, { throwIfNoEntry: false })?.size ?? 0);
    try {
      const db = new Database(buildPath, { readonly: true, fileMustExist: true });
      try {
        const meta = readMeta(db);
        const files = db.prepare('SELECT count(*) FROM files').pluck().get() as number;
        return {
          pendingRebuild: {
            meta: meta && { provider: meta.provider, model: meta.model, dimensions: meta.dimensions },
            files,
            bytes,
            startedAt: meta?.createdAt ?? null,
          },
        };
      } finally {
        db.close();
      }
    } catch {
      // Damaged or half-made: still pending (the next --full discards and starts it again).
      return { pendingRebuild: { meta: null, files: null, bytes, startedAt: null } };
    }
  }

  stats(): Record<string, number> {
    return { ...this.counters };
  }

  async drop(): Promise<string[]> {
    await this.stopThread();
    this.closeDb();
    this.buildPath = null;
    try {
      this.lock.acquire(); // refused while another cw index writes it
    } catch (err) {
      throw fileSystemError(err, displayPath(this.location)) ?? err;
    }
    try {
      const removed: string[] = [];
      for (const file of [this.location, `${this.location}.rebuild`]) {
        for (const suffix of ['', '-wal', '-shm', '-journal']) {
          if (existsSync(file + suffix)) {
            rmSync(file + suffix, { force: true });
            removed.push(displayPath(file + suffix));
          }
        }
      }
      return removed;
    } finally {
      if (!this.reservedAs) this.lock.release();
    }
  }


  async reserve(role: string): Promise<void> {
    try {
      prepareDirectory(this.location);
      this.lock.acquire(role);
    } catch (err) {
      throw fileSystemError(err, displayPath(this.location)) ?? err;
    }
    this.reservedAs = role;
  }

  async release(): Promise<void> {
    this.reservedAs = null;
    if (!this.writer) this.lock.release();
  }

  /** Closes the index; an unpublished rebuild stays on disk for the next rebuild to resume. */
  async close(): Promise<void> {
    await this.stopThread();
    this.closeDb();
    this.buildPath = null;
    if (!this.reservedAs) this.lock.release();
  }

  private openWritable(file: string): Db {
    const db = new Database(file);
    try {
      applyWritePragmas(db);
      migrate(db, displayPath(file));
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** One line naming the file and the fix, for what SQLite and the file system say. */
  private explain(err: unknown): unknown {
    return explainIndexError(err, displayPath(this.location));
  }

  /**
   * Runs a store operation; SQLite's and the file system's errors become one line each. A
   * read-only connection that meets a hot journal (a writer killed inside a transaction in
   * rollback-journal mode) has it rolled back by a writable one, then the operation runs again.
   */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!isHotJournal(err)) throw this.explain(err);
    }
    this.rollBackHotJournal();
    try {
      return fn();
    } catch (err) {
      throw this.explain(err);
    }
  }

  /**
   * A read-only connection cannot roll back a hot journal, and SQLite refuses to read past one
   * (SQLITE_READONLY_ROLLBACK): the first opener that may write must. SQLite calls a journal hot
   * only when no process holds the write lock, so this never undoes a write in progress.
   */
  private rollBackHotJournal(): void {
    if (this.writer) return; // a writable connection rolls it back itself
    this.closeDb();
    let db: Db;
    try {
      db = new Database(this.location, { fileMustExist: true });
    } catch (err) {
      throw new CodeweaverError(
        `the index at ${displayPath(this.location)} holds an unfinished write of a process that was stopped (${basename(this.location)}-journal), which only a writable open can undo — run cw index where the index can be written, or rebuild it with cw index --full`,
        'index_location',
        { cause: err },
      );
    }
    try {
      schemaVersion(db); // any read rolls the journal back
    } finally {
      db.close();
    }
  }

  /** null when there is no index file; never creates one. */
  private openExistingReadOnly(): Db | null {
    const identity = fileIdentity(this.location);
    if (!identity) return null;
    const db = new Database(this.location, { readonly: true, fileMustExist: true });
    try {
      applyReadPragmas(db);
      const version = schemaVersion(db);
      if (version === 0) {
        db.close();
        return null;
      }
      assertKnownVersion(version, displayPath(this.location));
    } catch (err) {
      db.close();
      throw err;
    }
    let loaded = false;
    try {
      const meta = readMeta(db);
      loaded = meta !== null && this.loadExtension(db, meta.dimensions) === null;
    } catch (err) {
      db.close();
      throw err;
    }
    this.attach(db, loaded);
    this.readIdentity = identity;
    return db;
  }

  private attach(db: Db, vectorExtension: boolean): void {
    this.db = db;
    this.extensionLoaded = vectorExtension;
    this.queries = new IndexReads(db);
    this.searcher = new Searcher(db, vectorExtension);
  }

  /**
   * Loads sqlite-vec into a connection of a dense index; null when loaded, else why not, said
   * once per store in one line (searches then scan every vector, as before it existed).
   */
  private loadExtension(db: Db, dimensions: number | null): string | null {
    if (!bitsFit(dimensions)) return 'no dense vectors to index';
    const why = loadVectorExtension(db, this.vectorExtension);
    if (why !== null && !this.extensionNoted) {
      this.extensionNoted = true;
      this.onWarning?.(`sqlite-vec: ${why} — dense search scans every stored vector instead (slower on a large index)`);
    }
    return why;
  }

  /**
   * The connection to read with. A read-only one is reopened when the file it has open was
   * replaced (a rebuild published by another process) or removed (`cw clean`): a long-lived
   * reader (a server) would otherwise answer from the old index for ever.
   */
  private readable(): Db | null {
    if (this.db && !this.writer && this.readIdentity !== fileIdentity(this.location)) this.closeDb();
    return this.db ?? this.openExistingReadOnly();
  }

  /** The queries of the connection to read with; null when there is no index. */
  private reads(): IndexReads | null {
    return this.readable() ? this.queries : null;
  }

  private writable(): ChunkWriter {
    if (!this.writer) throw new CodeweaverError(`the index at ${this.location} is not open for writing (call open() first)`);
    return this.writer;
  }

  private closeDb(): void {
    this.db?.close();
    this.db = null;
    this.queries = null;
    this.readIdentity = null;
    this.writer = null;
    this.searcher = null;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}

/** Shards and named builds are for an index many machines write: one file on one disk is not. */
function shardingRefused(what: string): UsageError {
  return new UsageError(
    `${what} needs the Qdrant store: the embedded index is one file on one machine, which shards on other runners cannot share — set store.kind to qdrant (with QDRANT_URL), or index without ${what}`,
  );
}
