import { estimateTokens } from '../chunking/tokens.js';

/**
 * The part of a query a model can embed: all of it when it fits, else whole lines from the top
 * while they fit (a pasted issue's title and description come first; its lexical search still
 * reads every word), else the start of its one long line. Without this, a whole issue sent as a
 * query fails on a model with a small input (512 tokens for many).
 */
export function queryWithin(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const lines = text.split('\n');
  let used = 0;
  let end = 0;
  // The estimate is additive over lines: a line costs its own tokens plus one for its newline.
  for (; end < lines.length; end++) {
    const cost = estimateTokens(lines[end]!) + (end > 0 ? 1 : 0);
    if (used + cost > maxTokens) break;
    used += cost;
  }
  if (end > 0) return lines.slice(0, end).join('\n');
  const first = lines[0]!;
  let lo = 0;
  let hi = first.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (estimateTokens(first.slice(0, mid)) <= maxTokens) lo = mid;
    else hi = mid - 1;
  }
  return first.slice(0, lo);
}
