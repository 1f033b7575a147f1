/**
 * Content hashes and deterministic ids, shared by discovery (file hashes), chunking (chunk
 * ids), the pipeline (recorded hashes) and the stores (point ids). Deterministic ids are what
 * make every write idempotent: a rerun after a crash rewrites the same ids instead of adding
 * duplicates.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A deterministic UUID (version 8 layout, RFC 9562 variant) from the sha256 of a name. */
export function uuidFromName(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
