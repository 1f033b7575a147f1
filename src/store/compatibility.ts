import type { IndexMeta } from './vector-store.js';

/**
 * The one rule for whether an index can take this run's vectors: the same provider, model and
 * vector size. Every store and front end asks here.
 */
export function sameMeta(a: IndexMeta, b: IndexMeta): boolean {
  return a.provider === b.provider && a.model === b.model && a.dimensions === b.dimensions;
}

/** "voyage/voyage-code-3 (1024 dims)", for messages. */
export function describeMeta(meta: IndexMeta): string {
  const dims = meta.dimensions === null ? 'lexical only' : `${meta.dimensions} dims`;
  return `${meta.provider}/${meta.model} (${dims})`;
}
