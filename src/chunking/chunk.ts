import { uuidFromName } from '../ids.js';

export { sha256Hex, uuidFromName } from '../ids.js';

/** One piece of a file, the unit that is embedded, stored and returned by search. */
export interface Chunk {
  /** Deterministic id (UUID form) derived from the chunk's identity; see `chunkId`. */
  id: string;
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  /** Language name (e.g. "typescript", "python", "text"). */
  language: string;
  /** 1-based, inclusive. */
  startLine: number;
  /** 1-based, inclusive. */
  endLine: number;
  content: string;
  /** sha256 hex of `content`: the key for chunk-level vector reuse. */
  contentHash: string;
  /** Function/class/method name where the AST gives one: the first definition the chunk holds, or the one it is a piece of. */
  symbol: string | null;
  /**
   * Every definition the chunk holds, when it holds more than one (small neighbours merged): a
   * search hit is labelled with the one its best-matching line is in, not always the first.
   */
  definitions?: Definition[];
  /** Estimated tokens (src/chunking/tokens.ts), the same estimate used for batching. */
  tokens: number;
}

/** A definition inside a chunk: its qualified name and lines (1-based, inclusive, within the chunk's). */
export interface Definition {
  symbol: string;
  startLine: number;
  endLine: number;
}

/**
 * A chunk's id: a UUID (version 8 layout, RFC 9562) derived from path, line span and content hash.
 * Deterministic so that every upsert is idempotent: a rerun after a crash rewrites the same ids
 * instead of adding duplicates. Qdrant accepts UUID strings as point ids.
 */
export function chunkId(path: string, startLine: number, endLine: number, contentHash: string): string {
  return uuidFromName(`${path}\0${startLine}\0${endLine}\0${contentHash}`);
}

