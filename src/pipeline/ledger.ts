/**
 * The run's one tally: every figure of the summary and of progress is counted here and nowhere
 * else, so a file is counted done exactly once whichever way it went (unchanged, written,
 * failed, skipped after reading).
 */
import { performance } from 'node:perf_hooks';
import type { ParserBackend } from '../chunking/syntax.js';
import type { SkipReason } from '../discovery/skip-reasons.js';
import { emptySummary, MAX_LISTED_FAILURES, type RunSummary } from './summary.js';

/** `vectors`: a run that deferred its vectors fills them (its counts are then chunks, not files). */
export type IndexPhase = 'indexing' | 'finishing' | 'deleting' | 'vectors' | 'done';

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

export class Ledger {
  readonly summary: RunSummary = emptySummary();
  phase: IndexPhase = 'indexing';
  discoveryDone = false;
  expectedTotal: number | null = null;
  private readonly started = performance.now();
  private filesTotal = 0;
  private filesDone = 0;

  found(files: number): void {
    this.filesTotal += files;
  }

  opened(): void {
    this.summary.files.read++;
  }

  /** A file read whose content the run then looks at. */
  scanned(bytes: number): void {
    this.summary.files.scanned++;
    this.summary.bytes_read += bytes;
  }

  /** Unchanged: known by its stat data (never read), or read and found the same. */
  unchanged(byStat: boolean): void {
    if (byStat) {
      this.summary.files.scanned++;
      this.summary.files.unchanged_by_stat++;
    }
    this.summary.files.unchanged++;
    this.filesDone++;
  }

  skipped(reason: SkipReason, afterRead: boolean): void {
    const skipped = this.summary.files.skipped;
    skipped[reason] = (skipped[reason] ?? 0) + 1;
    if (afterRead) this.filesDone++;
  }

  written(files: number, chunksWritten: number, chunksDeleted: number): void {
    this.summary.files.indexed += files;
    this.summary.chunks.written += chunksWritten;
    this.summary.chunks.deleted += chunksDeleted;
    this.filesDone += files;
  }

  failed(path: string, message: string): void {
    this.summary.files.failed++;
    this.filesDone++;
    if (this.summary.failures.length < MAX_LISTED_FAILURES) this.summary.failures.push({ path, error: message });
  }

  /** Recorded files removed: gone from disk, or out of the index's scope. */
  removed(chunks: number, files: { deleted: number; outOfScope: number }): void {
    this.summary.chunks.deleted += chunks;
    this.summary.files.deleted += files.deleted;
    this.summary.files.out_of_scope += files.outOfScope;
  }

  embedded(chunks: number, tokens: number): void {
    this.summary.chunks.embedded += chunks;
    this.summary.tokens += tokens;
  }

  reused(chunks: number): void {
    this.summary.chunks.reused += chunks;
  }

  /** Tokens of chunks indexed without embedding (a lexical run), or that a dry run would embed. */
  tokens(n: number): void {
    this.summary.tokens += n;
  }

  secretsRedacted(n: number): void {
    this.summary.secrets_redacted += n;
  }

  parsedBy(language: string, backend: ParserBackend): void {
    this.summary.parsers[language] = backend;
  }

  get aborted(): string | null {
    return this.summary.aborted;
  }

  abort(reason: string): void {
    this.summary.aborted = reason;
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  progress(): IndexProgress {
    return {
      phase: this.phase,
      filesTotal: this.filesTotal,
      expectedTotal: this.expectedTotal,
      discoveryDone: this.discoveryDone,
      filesDone: this.filesDone,
      chunksEmbedded: this.summary.chunks.embedded,
      chunksWritten: this.summary.chunks.written,
      elapsedMs: this.elapsedMs(),
    };
  }
}
