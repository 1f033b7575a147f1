import type { Chunker, ChunkerOptions } from './chunker.js';
import { chunkerSignature } from './signature.js';

/**
 * A chunker that exists at its first file: its signature is known from the options, so a run
 * that finds nothing changed (the common rerun) never starts tree-sitter nor loads a grammar.
 * `close` is its creator's business (the session keeps chunkers for its life).
 */
export function lazyChunker(options: ChunkerOptions, create: () => Promise<Chunker>): Chunker {
  let real: Promise<Chunker> | null = null;
  let made: Chunker | null = null;
  return {
    signature: chunkerSignature(options),
    chunkFile: async (file) => {
      made ??= await (real ??= create());
      return made.chunkFile(file);
    },
    backendOf: (language) => made?.backendOf?.(language) ?? null,
    close: async () => {},
  };
}
