/**
 * Reciprocal-rank fusion: score(d) = Σ 1 / (k + rank_i(d)). Rank-based, so BM25 scores and
 * cosine similarities need no common scale.
 */
export const RRF_K = 60;

/**
 * 1-based ranks of a best-first list where equal scores share a rank ("1224" ranking): two
 * chunks that tie lexically then differ only by their other ranking.
 */
export function tiedRanks(scores: number[]): number[] {
  const ranks: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    ranks.push(i > 0 && sameScore(scores[i], scores[i - 1]) ? ranks[i - 1] : i + 1);
  }
  return ranks;
}

function sameScore(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

export interface RankedList<K> {
  /** Best first. */
  keys: K[];
  scores: number[];
}

/** Fused scores, best first; ties keep the order of the earlier list. */
export function reciprocalRankFusion<K>(lists: RankedList<K>[], k = RRF_K): { key: K; score: number }[] {
  const fused = new Map<K, { score: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    const ranks = tiedRanks(list.scores);
    list.keys.forEach((key, i) => {
      const entry = fused.get(key) ?? { score: 0, order: order++ };
      entry.score += 1 / (k + ranks[i]);
      fused.set(key, entry);
    });
  }
  return [...fused.entries()]
    .sort((a, b) => b[1].score - a[1].score || a[1].order - b[1].order)
    .map(([key, { score }]) => ({ key, score }));
}
