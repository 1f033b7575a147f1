import { createHash } from 'node:crypto';

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
  /** Function/class/method name where the AST gives one. */
  symbol: string | null;
  /** Estimated tokens (src/chunking/tokens.ts), the same estimate used for batching. */
  tokens: number;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A chunk's id: a UUID (version 8 layout, RFC 9562) derived from path, line span and content hash.
 * Deterministic so that every upsert is idempotent: a rerun after a crash rewrites the same ids
 * instead of adding duplicates. Qdrant accepts UUID strings as point ids.
 */
export function chunkId(path: string, startLine: number, endLine: number, contentHash: string): string {
  return uuidFromName(`${path}\0${startLine}\0${endLine}\0${contentHash}`);
}

/** A deterministic UUID (version 8 layout, RFC 9562 variant) from the sha256 of a name. */
export function uuidFromName(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
