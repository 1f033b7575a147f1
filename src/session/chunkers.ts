/**
 * The session's chunkers: one per settings (sizes, parser, threads), made at the first file that
 * needs chunking and kept for the session's life, so grammars load once and a no-change rerun
 * never starts tree-sitter.
 *
 * Chunking runs on the main thread unless CODEWEAVER_CHUNK_THREADS asks for worker threads: one
 * thread makes a run 1.27-1.3× faster on 2 cores, but a second isolate, its trees and its malloc
 * arena take the peak from ~280 MB to ~450 MB at 20 k files (bench/README.md), so flat memory is
 * the default.
 */
import type { Chunker, ChunkerOptions } from '../chunking/chunker.js';
import { lazyChunker } from '../chunking/lazy-chunker.js';

export class Chunkers {
  private readonly made = new Map<string, Promise<Chunker>>();

  constructor(private readonly threads: number) {}

  /** A chunker for these options, loaded only when a file needs it. */
  for(options: ChunkerOptions): Chunker {
    return lazyChunker(options, () => this.load(options));
  }

  /** Closes every chunker made (and a worker chunker's threads); errors are returned, not thrown. */
  async close(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const chunker of this.made.values()) await (await chunker.catch(() => null))?.close().catch((e: unknown) => errors.push(e));
    this.made.clear();
    return errors;
  }

  private load(options: ChunkerOptions): Promise<Chunker> {
    const key = `${options.targetTokens}/${options.maxTokens}/${options.parser}/${this.threads}`;
    let chunker = this.made.get(key);
    if (!chunker) {
      // tree-sitter's modules load with the first chunker.
      chunker =
        this.threads === 0
          ? import('../chunking/chunker.js').then((m) => m.createChunker(options))
          : import('../chunking/worker-chunker.js').then((m) => m.createWorkerChunker(options, this.threads));
      this.made.set(key, chunker);
    }
    return chunker;
  }
}
