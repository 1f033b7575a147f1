import type { ChunkerOptions } from './contract.js';

/** Bump when a change to chunking would split the same file differently. */
const CHUNKER_VERSION = 4; // 4: definitions inside a definition kept whole are recorded (find_symbol)

/**
 * The signature of a chunker made with these options (the same in a worker thread). In a module
 * of its own: a run knows it, to compare recorded files, without loading tree-sitter.
 */
export function chunkerSignature(options: ChunkerOptions): string {
  const max = Math.floor(options.maxTokens);
  const limit = Math.min(Math.floor(options.targetTokens), max);
  return `ts-chunker/${CHUNKER_VERSION}/${limit}/${max}/${Math.max(0, options.overlapLines ?? 2)}`;
}
