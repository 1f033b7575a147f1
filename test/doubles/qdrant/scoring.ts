/**
 * Scores as Qdrant computes them: dense Cosine (vectors normalised at write time, so a dot product
 * at query time), Dot, Euclid and Manhattan (distances: lower is better); sparse dot product over
 * shared indices with optional IDF weighting; Reciprocal Rank Fusion.
 */

export type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';

export interface SparseVector {
  indices: number[];
  values: number[];
}

export function normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v.slice() : v.map((x) => x / norm);
}

export function denseScore(distance: Distance, query: number[], stored: number[]): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return query.reduce((s, x, i) => s + x * stored[i], 0);
    case 'Euclid':
      return Math.sqrt(query.reduce((s, x, i) => s + (x - stored[i]) ** 2, 0));
    case 'Manhattan':
      return query.reduce((s, x, i) => s + Math.abs(x - stored[i]), 0);
  }
}

/** Similarities rank high-first; distances rank low-first. */
export const higherIsBetter = (distance: Distance | 'Sparse'): boolean => distance !== 'Euclid' && distance !== 'Manhattan';

/**
 * Inverse document frequency as Qdrant documents it for `modifier: idf`:
 * idf(i) = ln((N - n(i) + 0.5) / (n(i) + 0.5) + 1), N = points with this sparse vector,
 * n(i) = those among them with a value at index i.
 */
export function idfWeights(indices: number[], corpus: Iterable<SparseVector>): Map<number, number> {
  const wanted = new Set(indices);
  const df = new Map<number, number>();
  let n = 0;
  for (const doc of corpus) {
    n++;
    for (const i of doc.indices) if (wanted.has(i)) df.set(i, (df.get(i) ?? 0) + 1);
  }
  const out = new Map<number, number>();
  for (const i of wanted) {
    const d = df.get(i) ?? 0;
    out.set(i, Math.log((n - d + 0.5) / (d + 0.5) + 1));
  }
  return out;
}

/** Sparse dot product; undefined when the vectors share no index (Qdrant does not return those). */
export function sparseScore(query: SparseVector, stored: SparseVector, idf?: Map<number, number>): number | undefined {
  const at = new Map<number, number>();
  stored.indices.forEach((idx, k) => at.set(idx, stored.values[k]));
  let score = 0;
  let shared = false;
  query.indices.forEach((idx, k) => {
    const v = at.get(idx);
    if (v === undefined) return;
    shared = true;
    score += query.values[k] * v * (idf?.get(idx) ?? 1);
  });
  return shared ? score : undefined;
}

export const DEFAULT_RRF_K = 60;

/** RRF over ranked lists of keys: score(d) = Σ w_l / (k + rank_l(d)), rank starting at 1. */
export function reciprocalRankFusion(lists: string[][], k = DEFAULT_RRF_K, weights?: number[]): Array<{ key: string; score: number }> {
  const scores = new Map<string, number>();
  lists.forEach((list, l) => {
    const w = weights?.[l] ?? 1;
    list.forEach((key, r) => scores.set(key, (scores.get(key) ?? 0) + w / (k + r + 1)));
  });
  return [...scores].map(([key, score]) => ({ key, score }));
}
