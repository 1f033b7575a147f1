/**
 * One file should not fill a page of results unless nothing else matches. A file whose words
 * match the query well (a long module, a translation table) can hold 9 of the first 10 hits and
 * push every other file off the page. Each further hit from a file already shown counts less
 * than the one before it: a file with several strong matches still shows several, and fills the
 * page only when the other files match far worse.
 */
import type { SearchHit } from '../vector-store.js';

/** What each further hit from the same file is scaled by (its k-th repeat by REPEAT_DECAY^k). */
export const REPEAT_DECAY = 0.7;

/** Hits re-ranked so that repeats from one file decay (stable for equal scores; the best hit of each file keeps its score). */
export function diversifyByFile<H extends Pick<SearchHit, 'path' | 'score'>>(hits: H[]): H[] {
  // Hits arrive best first; a file's k-th hit (k from 0) in that order is scaled by DECAY^k.
  const seen = new Map<string, number>();
  return hits
    .map((h, i) => {
      const k = seen.get(h.path) ?? 0;
      seen.set(h.path, k + 1);
      return { h: k === 0 ? h : { ...h, score: h.score * REPEAT_DECAY ** k }, i };
    })
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .map(({ h }) => h);
}
