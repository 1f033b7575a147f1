import { expect } from 'vitest';
import type { QdrantDouble } from '../doubles/qdrant/index.js';

/**
 * What two equivalent Qdrant indexes share: every point by id with its payload (timestamps
 * aside) and sparse vector, and whether it has a dense vector. The meta point and shard-run
 * records describe runs, not content, and are left out; manifests still pending would show.
 */
export function qdrantContents(qdrant: QdrantDouble, aliasOrCollection: string): Map<string, string> {
  const name = qdrant.aliases().get(aliasOrCollection) ?? aliasOrCollection;
  const c = qdrant.collection(name);
  if (!c) throw new Error(`no collection ${name}`);
  const out = new Map<string, string>();
  for (const p of c.points.values()) {
    if (p.payload.kind === 'meta' || p.payload.kind === 'shard') continue;
    const { indexed_at: _t, ...payload } = p.payload;
    out.set(p.id, JSON.stringify({ payload, lexical: p.vector.lexical, dense: Boolean(p.vector.dense) }));
  }
  return out;
}

export function expectSameQdrantIndex(qdrant: QdrantDouble, a: string, b: string): void {
  const x = qdrantContents(qdrant, a);
  const y = qdrantContents(qdrant, b);
  expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
  for (const [id, doc] of x) expect(doc, id).toBe(y.get(id));
}
