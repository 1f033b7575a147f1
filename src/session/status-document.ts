/**
 * What an index is, as the documents `cw status --json` and MCP `index_status` share: one home
 * for their common fields (snake_case, a public contract). Each front end adds its own: the CLI
 * the shard sets, MCP the run in progress and the watcher.
 */
import { searchModeOf, type SearchMode, type StoreStatus } from '../store/vector-store.js';

export interface IndexedFields {
  indexed: true;
  store: string;
  location: string;
  provider: string;
  model: string;
  dimensions: number | null;
  search_mode: SearchMode;
  files: number;
  chunks: number;
  vectors: number;
  /** How dense queries are answered: sqlite-vec, scan or qdrant; null for a lexical index. */
  dense_engine: 'sqlite-vec' | 'scan' | 'qdrant' | null;
  /** Files per language, most first; null where the store does not count them (Qdrant). */
  languages: Record<string, number> | null;
  created_at: string | null;
  last_indexed_at: string | null;
}

/** The common fields of an index that exists; null when there is none yet. */
export function indexedFields(status: StoreStatus | null): IndexedFields | null {
  if (!status?.meta) return null;
  return {
    indexed: true,
    store: status.kind,
    location: status.location,
    provider: status.meta.provider,
    model: status.meta.model,
    dimensions: status.meta.dimensions,
    search_mode: searchModeOf(status.meta.dimensions),
    files: status.files,
    chunks: status.chunks,
    vectors: status.vectors,
    dense_engine: status.denseEngine ?? null,
    languages: status.languages ?? null,
    created_at: status.createdAt,
    last_indexed_at: status.lastIndexedAt,
  };
}
