/**
 * What a chunker is to its users (the pipeline, the session, worker threads): its options and
 * its interface, apart from the tree-sitter code that implements it (chunker.ts), so that a run
 * can know a chunker's signature without loading it.
 */
import type { Chunk } from './chunk.js';
import type { GrammarOptions } from './grammars.js';
import type { ParserBackend } from './syntax.js';

export interface ChunkerOptions extends GrammarOptions {
  /** indexing.chunk_tokens: neighbours are merged up to this size. */
  targetTokens: number;
  /** Hard cap, min(chunk_tokens, provider maxInputTokens): no chunk ever exceeds it. */
  maxTokens: number;
  /** Lines repeated between consecutive line-window chunks (not between AST chunks). Default 2. */
  overlapLines?: number;
}

export interface Chunker {
  /**
   * Identifies how this chunker splits files (algorithm version and sizes). Another signature
   * means other chunks from the same bytes, so an index records files under it.
   */
  readonly signature: string;
  chunkFile(file: { path: string; language: string; text: string }): Promise<Chunk[]>;
  /** The back end that parsed `language`'s files so far (null: none, or not yet). */
  backendOf?(language: string): ParserBackend | null;
  /** Frees the parser (and a worker chunker's threads); later calls are refused. Idempotent. */
  close(): Promise<void>;
}
