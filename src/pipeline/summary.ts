import type { SkipReason } from '../discovery/skip-reasons.js';
import type { EmbedderStats } from '../embedding/embedder.js';
import type { HttpClientStats } from '../http/types.js';

/**
 * The run summary. Its field names are a public contract (`cw index --json`): scripts
 * rely on them, so add fields, never rename.
 */
export interface RunSummary {
  files: {
    /** Files read (after path-based skips). */
    scanned: number;
    /** New or changed files whose chunks were all written. */
    indexed: number;
    unchanged: number;
    /** Of the unchanged files, those known unchanged by their stat data alone, without being read. */
    unchanged_by_stat: number;
    /** Files opened and read this run (a no-change rerun reads none: see unchanged_by_stat). */
    read: number;
    /** Files removed from the index because they are gone from disk. */
    deleted: number;
    /**
     * Files removed from the index because they left its scope: still on disk, but now ignored
     * (.gitignore, .cwignore, `indexing.exclude`/`include`) or skipped (too large, binary, …).
     */
    out_of_scope: number;
    skipped: Partial<Record<SkipReason, number>>;
    failed: number;
  };
  chunks: {
    /** Chunks sent to the embedding provider (0 for the lexical `local` provider). */
    embedded: number;
    /** Chunks whose vector was already stored (same content and model) and reused. */
    reused: number;
    written: number;
    deleted: number;
  };
  /** Estimated tokens of the new chunks (sent to the provider, or indexed lexically). */
  tokens: number;
  /**
   * Secrets found inside the files chunked this run and replaced before chunking
   * (indexing.redact_secrets): never stored, never sent to a provider.
   */
  secrets_redacted: number;
  /** Bytes of the files read (scanned). */
  bytes_read: number;
  /** The process's peak resident set size, for spotting memory growth on big repositories. */
  peak_rss_bytes: number;
  duration_ms: number;
  provider: string;
  model: string;
  /** "lexical" (BM25 only) or "hybrid" (dense vectors + BM25). */
  search_mode: 'lexical' | 'hybrid';
  store: string;
  store_location: string;
  http: Record<string, HttpClientStats>;
  providers: Record<string, EmbedderStats>;
  store_requests: Record<string, number>;
  dry_run: boolean;
  /** USD, for --dry-run where the provider has a public price; null when unknown. */
  estimated_cost_usd: number | null;
  /**
   * For --dry-run with a local model (onnx): seconds the embedding would take on this machine,
   * from the tokens to embed and the model's throughput measured here (null otherwise).
   */
  estimated_seconds: number | null;
  /** The throughput that estimate used (estimated tokens per second), or null. */
  measured_tokens_per_second: number | null;
  interrupted: boolean;
  /**
   * Why the run stopped before the end on its own (e.g. the provider is down), or null. Files
   * already complete were written; the next run does the rest.
   */
  aborted: string | null;
  /** `--full`: the rebuilt index was completed and is now the live one (false: not a rebuild, or not finished). */
  rebuilt: boolean;
  /**
   * `--full`: the rebuild was started and is not live (interrupted, stopped, or files failed).
   * `cw index --full` resumes it where it stopped; `cw status` lists it as `pending_rebuild`.
   */
  rebuild_pending: boolean;
  /**
   * Chunks still without a vector when the run ended: a run with a model on this machine writes
   * every chunk first (searchable lexically at once) and fills vectors behind; stopped early, the
   * next cw index fills the rest. 0 otherwise.
   */
  vectors_pending: number;
  /**
   * How each language chunked along its syntax tree in this run was parsed: "native" (the
   * grammar's prebuilt addon) or "wasm" (where that does not load, or indexing.parser: wasm).
   * Languages chunked in line windows (text, markdown, …) are not listed.
   */
  parsers: Record<string, 'native' | 'wasm'>;
  /** Files that failed, with one line each (bounded to the first 100). */
  failures: Array<{ path: string; error: string }>;
}

export const MAX_LISTED_FAILURES = 100;

export function emptySummary(): RunSummary {
  return {
    files: { scanned: 0, indexed: 0, unchanged: 0, unchanged_by_stat: 0, read: 0, deleted: 0, out_of_scope: 0, skipped: {}, failed: 0 },
    chunks: { embedded: 0, reused: 0, written: 0, deleted: 0 },
    parsers: {},
    tokens: 0,
    secrets_redacted: 0,
    bytes_read: 0,
    peak_rss_bytes: 0,
    duration_ms: 0,
    provider: '',
    model: '',
    search_mode: 'lexical',
    store: '',
    store_location: '',
    http: {},
    providers: {},
    store_requests: {},
    dry_run: false,
    estimated_cost_usd: null,
    estimated_seconds: null,
    measured_tokens_per_second: null,
    interrupted: false,
    aborted: null,
    rebuilt: false,
    rebuild_pending: false,
    vectors_pending: 0,
    failures: [],
  };
}
