import { MalformedRerankError } from './reranker.js';

/**
 * The scores of a rerank answer's `[{index, <score>}]` list, put back in the order the documents
 * were sent (APIs answer best first). A missing, repeated or out-of-range index is a malformed
 * answer: scores that cannot be matched to documents must not reorder anything.
 */
export function scoresByIndex(label: string, items: unknown, count: number, scoreKey: string): number[] {
  if (!Array.isArray(items)) throw new MalformedRerankError(label, 'no results list');
  const scores = new Array<number>(count).fill(Number.NaN);
  for (const item of items as Array<Record<string, unknown>>) {
    const index = item?.index;
    const score = item?.[scoreKey];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || !Number.isNaN(scores[index]!)) {
      throw new MalformedRerankError(label, `a result with index ${JSON.stringify(index)} for ${count} documents`);
    }
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new MalformedRerankError(label, `result ${index} has no ${scoreKey}`);
    scores[index] = score;
  }
  return scores;
}
