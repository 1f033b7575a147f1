/**
 * What an index run is given: its collaborators (IndexRunDeps) and its settings
 * (IndexRunOptions).
 */
import type { Chunker } from '../chunking/chunker.js';
import type { IndexingConfig } from '../config/schema.js';
import type { RunFilter } from '../discovery/run-filter.js';
import type { Shard } from '../discovery/shard.js';
import type { SkipReason } from '../discovery/skip-reasons.js';
import type { DiscoveredFile } from '../discovery/walk.js';
import type { Embedder } from '../embedding/embedder.js';
import type { VectorStore } from '../store/vector-store.js';
import type { IndexProgress } from './ledger.js';
import type { ReconcileScope } from './reconcile.js';

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
  /**
   * Chunks are written without the vectors the store does not already have, which the session
   * fills in behind (pipeline/vector-fill.ts): every file is lexically searchable as fast as in a
   * lexical run. For a model run on this machine, where embedding is the slow part.
   */
  deferVectors?: boolean;
  /** Fills a --full rebuild beside the live index: until it is published, the summary says it is pending. */
  rebuild?: boolean;
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
