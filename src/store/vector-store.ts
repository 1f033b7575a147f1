import { UsageError, type IndexMismatchError } from '../errors.js';
import type { StoreKind } from '../config/store-kinds.js';
import type { Chunk } from '../chunking/chunk.js';
import type { Shard } from '../discovery/shard.js';

/** What an index was built with; a write with different values is refused unless rebuilding. */
export interface IndexMeta {
  provider: string;
  model: string;
  /** null: lexical-only index (the `local` provider). */
  dimensions: number | null;
  /**
   * How to reach the model again, so that a search or a plain `cw index` needs no flags: the
   * endpoint, the *name* of the key variable (never the key), the chunk size. Absent in indexes
   * made by an older cw.
   */
  build?: BuildSettings;
}

export interface BuildSettings {
  base_url?: string;
  api_key_env?: string;
  chunk_tokens?: number;
}

export interface StoredChunk extends Chunk {
  /** null for lexical-only indexes. */
  vector: Float32Array | null;
}

/** All chunks of one file: written together, and only then is the file recorded with its hash. */
export interface FileWrite {
  path: string;
  /**
   * Identifies the file's content as chunked: sha256 of the chunker's signature and of the file's
   * bytes. Unchanged bytes under another chunk size give another hash, so the file is re-chunked.
   */
  fileHash: string;
  language: string;
  chunks: StoredChunk[];
  /** The file's stat key (discovery/stat-data.ts) when it may be trusted next run; null or absent: none. */
  stat?: string | null;
}

export interface RecordedStat {
  stat: string;
  /** Set when the file is recorded as left out for its content (binary, minified, …). */
  skipped: string | null;
}

export interface WriteResult {
  chunksWritten: number;
  /** Stale chunks of these files that were removed. */
  chunksDeleted: number;
}

export interface SearchQuery {
  text: string;
  /** Query vector for dense/hybrid search; null for lexical only. */
  vector: Float32Array | null;
  limit: number;
  /** Only results under this repository-relative directory (forward slashes). */
  pathPrefix?: string;
}

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  score: number;
  snippet: string;
  /** The line number of the snippet's first line (it is a window of the chunk). */
  snippetStartLine: number;
  /** The whole chunk's code (lines startLine..endLine), for callers that show more than a snippet (MCP). */
  content: string;
  /** The line of the chunk that matches most query terms (its number in the file); null when none does (a dense-only hit). */
  bestLine: number | null;
  symbol: string | null;
  language: string;
  /** The reranker's score, when the search was reranked and this hit was among the candidates. */
  rerankScore?: number;
}

/**
 * What one shard's run left in the collection it wrote (snake_case: `cw status --json` shows
 * it as stored). Written when the run ends; `complete` only when it ended with nothing left out.
 */
export interface ShardRun {
  shard: number;
  shards: number;
  /** The build the run filled (`--build`), null for a run into the live index. */
  build: string | null;
  /** The commit the run indexed (null: not a git checkout, and no CI variable named one). */
  commit: string | null;
  started_at: string;
  /** null while the run is in progress (or when it was killed). */
  finished_at: string | null;
  /** complete: every file of the shard is indexed; running: not finished (or killed); otherwise why not. */
  outcome: 'running' | 'complete' | 'interrupted' | 'stopped' | 'failed';
  files: { total: number; indexed: number; unchanged: number; deleted: number; failed: number };
  chunks: { embedded: number; reused: number; written: number; deleted: number };
  duration_ms: number;
  cw_version: string;
}

/** A build (`cw index --full --build ID`) as `cw publish` finds it. */
export interface BuildState {
  build: string;
  /** Where the build is written (a collection name). */
  location: string;
  /** The build's index exists. */
  exists: boolean;
  /** It is already the live index (published). */
  live: boolean;
  meta: IndexMeta | null;
  runs: ShardRun[];
  /** Files recorded and chunks stored in the build's index (whatever runs wrote them). */
  files: number;
  chunks: number;
}

export interface OpenOptions {
  /** Fill a new index beside the live one (`--full`). */
  rebuild: boolean;
  /**
   * With `rebuild`: the named build that several shard runs fill together and `cw publish`
   * makes live. Without it, the rebuild is this run's own, made live by `publish()`.
   */
  build?: string;
  /** This run writes one shard of the tree; the store prepares to hand it its own records. */
  shard?: Shard;
}

export interface StoreStatus {
  kind: StoreKind;
  /** File path or URL + collection; never a secret. */
  location: string;
  meta: IndexMeta | null;
  files: number;
  chunks: number;
  vectors: number;
  createdAt: string | null;
  lastIndexedAt: string | null;
  /**
   * How dense queries are answered: 'sqlite-vec' (bit candidates rescored exactly), 'scan' (every
   * stored vector: the extension did not load, or its table is being rebuilt), 'qdrant'; absent
   * for a lexical index.
   */
  denseEngine?: 'sqlite-vec' | 'scan' | 'qdrant';
  /**
   * The index's latest migrations, newest first (embedded store): a schema upgrade by a newer cw,
   * or a dense index built from the vectors already stored (`vectorsIndexed`, none embedded again).
   */
  migrations?: Array<{ at: string; fromSchema: number; toSchema: number; vectorsIndexed: number | null }>;
  /** Files per language, most first (the embedded store; Qdrant would count every point). */
  languages?: Record<string, number>;
  /** Runs of sharded indexing recorded in the live index (none when it was never sharded). */
  shardRuns?: ShardRun[];
  /**
   * A `--full` rebuild that was started and not made live (interrupted, stopped, or files
   * failed): `cw index --full` resumes it, `cw clean` discards it. Its model, files so far and
   * size on disk (embedded store; null where unknown).
   */
  pendingRebuild?: { meta: IndexMeta | null; files: number | null; bytes: number | null; startedAt: string | null };
  /** Builds started (`--build`) and not yet published, with their shards' runs. */
  pendingBuilds?: Array<{ build: string; runs: ShardRun[] }>;
}

/**
 * Where chunks and vectors live. Implementations: embedded (SQLite) and qdrant. Split by what a
 * caller needs of it: reading, writing, and three capabilities a store has or has not — a
 * stat cache, a writer lock, sharded builds. A store without one leaves its methods out; it
 * does not stub them.
 *
 * Invariant the pipeline relies on: a file's hash is recorded only in the same write that
 * stores all of its chunks (or after them), so an interrupted run never leaves a file
 * marked done with chunks missing.
 */
export type VectorStore = StoreReader & StoreWriter & Partial<StatCache> & Partial<WriterLock> & Partial<ShardedBuilds> & Partial<SymbolIndex> & Partial<VectorFill>;

/**
 * A store that takes chunks before their vectors: a run writes every chunk (lexically searchable
 * at once) and fills the vectors in behind, while open for writing. The embedded store has it;
 * Qdrant, whose points are vectors, has not.
 */
export interface VectorFill {
  /**
   * Texts of chunks stored without a vector, one per content hash, at most `limit`, in content-hash
   * order after `cursor` ('': from the start), and the cursor that goes on from them. A fill walks
   * the store once this way: each batch reads its own rows, not every row filled before it, and
   * the batches do not depend on the order the run wrote its files in.
   */
  chunksWithoutVectors(limit: number, cursor?: string): Promise<{ rows: Array<{ contentHash: string; content: string; tokens: number }>; cursor: string }>;
  /** Stores each vector on every chunk of its content hash that has none; resolves with the chunks filled. */
  fillVectors(vectors: Map<string, Float32Array>): Promise<number>;
  /** Chunks without a vector right now. */
  countWithoutVectors(): Promise<number>;
}

/** What searches, status and a run's lookups read. */
export interface StoreReader {
  readonly kind: StoreKind;
  readonly location: string;
  /** Other machines and people use this index too (a Qdrant collection): removing it is confirmed first. */
  readonly shared: boolean;
  /**
   * Where on this machine the store writes, as path prefixes (the index file and its
   * companions): a watcher ignores its events there. None for a store on a server.
   */
  readonly localFiles: readonly string[];
  /** Opens for search/status; resolves with the index's meta, or null when there is no index. */
  openReadOnly(): Promise<IndexMeta | null>;
  /** Recorded hashes of these (repository-relative) paths; paths not recorded are absent. */
  fileHashes(paths: string[]): Promise<Map<string, string>>;
  /**
   * Every recorded path, streamed; with `under`, at least those at or below these paths, and
   * with `shard` at least that shard's (a store may return a few more: callers apply their own
   * scope).
   */
  listFiles(under?: readonly string[], shard?: Shard): AsyncIterable<string>;
  /** Vectors already stored for chunks with these content hashes (chunk-level reuse). */
  reusableVectors(contentHashes: string[]): Promise<Map<string, Float32Array>>;
  /** What `writeFiles` would report for these files, without writing anything (a dry run). */
  planWrite(files: FileWrite[]): Promise<WriteResult>;
  /** The chunks recorded for these files: what `deleteFiles` would remove (a dry run). */
  countChunks(paths: string[]): Promise<number>;
  search(query: SearchQuery): Promise<SearchHit[]>;
  status(): Promise<StoreStatus>;
  /** Request/operation counters for the run summary (e.g. Qdrant requests). */
  stats(): Record<string, number>;
  /** Ends a run (or a read): closes connections; keeps a reservation. */
  close(): Promise<void>;
}

/** What an index run and `cw clean` change. */
export interface StoreWriter {
  /**
   * Opens for indexing. Creates the index if missing. Throws IndexMismatchError when the
   * existing index has another provider/model/dimensions.
   *
   * With `rebuild`, writes go to a new index beside the live one, which stays whole and
   * searchable: an unfinished rebuild with the same meta is resumed, anything else there is
   * discarded. Nothing of the live index is read, so a damaged one is no obstacle.
   */
  open(meta: IndexMeta, options: OpenOptions): Promise<void>;
  /**
   * Throws what `open` would refuse about these options (a store that cannot shard refuses
   * `shard` and `build`), without opening anything: a dry run asks it instead of opening, and
   * `cw publish` with `command` naming it in the refusal.
   */
  checkOptions(options: OpenOptions, command?: string): void;
  /**
   * The error `open` throws when the live index was built with `stored` and this run asks for
   * `wanted` (another provider, model or size), in the store's own words: a dry run, which reads
   * the stored meta instead of opening, refuses with the same line and exit code.
   */
  mismatchError(stored: IndexMeta, wanted: IndexMeta): IndexMismatchError;
  /**
   * Makes the rebuild opened with `rebuild: true` the live index, in one atomic switch (a file
   * rename; an alias update). A no-op for an ordinary open. Until it is called, an interrupted
   * rebuild leaves the live index exactly as it was.
   */
  publish(): Promise<void>;
  /** Stores these files' chunks, removes their stale chunks, then records their hashes. */
  writeFiles(files: FileWrite[]): Promise<WriteResult>;
  /** Removes files and all their chunks; resolves with the number of chunks removed. */
  deleteFiles(paths: string[]): Promise<number>;
  /**
   * Removes the whole index (`cw clean`): the embedded file with its journal, lock and any
   * unfinished rebuild; the Qdrant collection behind the alias, the alias and any unfinished
   * rebuild. Refused while another run writes the embedded index. Resolves with what was removed.
   */
  drop(): Promise<string[]>;
}

/**
 * Each file's stat data, so that a rerun need not read an unchanged file. A store shared by
 * many machines (Qdrant), whose stat data mean nothing to each other, has none: every file is
 * read and hashed.
 */
export interface StatCache {
  /**
   * Recorded stat keys of these paths: of files in the index, and of files left out for their
   * content (`skipped` says why). Paths recorded without stat data are absent.
   */
  fileStats(paths: string[]): Promise<Map<string, RecordedStat>>;
  /** Records stat keys of files found unchanged by their hash (touched, copied): only where the hash still matches. */
  recordStats(entries: Array<{ path: string; fileHash: string; stat: string }>): Promise<void>;
  /** Records files left out for their content, with their stat keys (replacing earlier records). */
  recordSkips(entries: Array<{ path: string; stat: string; reason: string }>): Promise<void>;
  /** Forgets content skips of every path not in `seen` (after a walk of the whole tree). */
  pruneSkips(seen: ReadonlySet<string>): Promise<void>;
}

/** A definition as the index knows it by name (see SymbolIndex). */
export interface SymbolRecord {
  path: string;
  /** Qualified name: `Session.send`, `LruCache`, `parse_args`. */
  symbol: string;
  /** Its lines, over every chunk that holds it. */
  startLine: number;
  endLine: number;
  language: string;
  /** Its first line's text, trimmed (what kind of definition it is shows there). */
  line: string;
}

/**
 * Definitions by name, from the symbols chunking recorded (the embedded store). Qdrant has no
 * substring match on its payload without a full-text index on it, so it has none.
 */
export interface SymbolIndex {
  /** Every definition whose qualified name holds `part` (case-insensitive), one record per file and name. */
  symbolCandidates(part: string): Promise<SymbolRecord[]>;
}

/** One writer between processes (the embedded file); Qdrant has no lock between processes. */
export interface WriterLock {
  /**
   * Makes this process the index's only writer until `release()`, across any number of
   * `open()`/`close()` runs: a long-lived writer (`cw watch`) refuses other writers between its
   * runs too, not only while one is writing. `role` names it in their refusal.
   */
  reserve(role: string): Promise<void>;
  /** Ends `reserve()`; the lock is then held only while a run writes. */
  release(): Promise<void>;
}

/** Builds that several shard runs fill together, made live by `cw publish` (Qdrant). */
export interface ShardedBuilds {
  /**
   * Records how a shard's run ended, in the index it wrote (the build's, or the live one),
   * replacing that shard's earlier record.
   */
  recordShardRun(run: ShardRun): Promise<void>;
  /** Where a named build stands: what `cw publish` checks before it switches. */
  buildState(build: string): Promise<BuildState>;
  /**
   * Makes a named build the live index in one atomic switch, then removes the previous one.
   * Resolves with the previous index's location (null when there was none).
   */
  publishBuild(build: string): Promise<string | null>;
}

export type SearchMode = 'lexical' | 'hybrid';

/** What a search of an index of this vector size is: BM25 alone without vectors, dense and BM25 fused with them. The one rule. */
export function searchModeOf(dimensions: number | null): SearchMode {
  return dimensions === null ? 'lexical' : 'hybrid';
}

/**
 * The store's sharded builds. A store without them refuses in its own words (`checkOptions`,
 * naming `command`), as it refuses `--shard` and `--build`.
 */
export function buildsOf(store: VectorStore, command: string): ShardedBuilds {
  const { recordShardRun, buildState, publishBuild } = store;
  if (recordShardRun && buildState && publishBuild) return store as VectorStore & ShardedBuilds;
  store.checkOptions({ rebuild: true, build: command }, command);
  throw new UsageError(`${command}: the ${store.kind} store keeps no sharded builds`);
}
