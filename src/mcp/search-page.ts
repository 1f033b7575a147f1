/**
 * A page of search_code's answer, sized for an agent's context: hits in the full form (the
 * chunk's code) or the compact one (location, symbol and the best-matching line), cut to a
 * token budget when one is given. The budget counts what the client receives, the structured
 * result and its text together, with cw's token estimate (chunking/tokens.ts, about four
 * characters a token for code): a page never goes over it, and says where the next one starts.
 */
import { estimateTokens } from '../chunking/tokens.js';
import { RANKING_DEPTH, type RerankReport, type SearchPage } from '../session/search.js';
import type { SearchHit } from '../store/vector-store.js';

export type HitFormat = 'full' | 'compact';

export interface PageRequest {
  format: HitFormat;
  /** The most tokens the answer may take; none: every hit of the page in full. */
  maxTokens?: number;
}

export interface PageHit {
  path: string;
  start_line: number;
  end_line: number;
  /** The line that matched the query best (the chunk's first line when none did). */
  best_line: number;
  /** That line's text, trimmed (at most MAX_LINE characters). */
  line: string;
  symbol: string | null;
  language: string;
  score: number;
  /** The reranker's score, when this search was reranked and the hit was among its candidates. */
  rerank_score?: number;
  /** The chunk's code (full form); cut at a line end when the budget ends inside it. */
  code?: string;
  /** The code was cut to the budget: end_line is then the last line shown. */
  truncated?: boolean;
}

// A type, not an interface: the MCP answer takes it as a plain record.
export type PageDocument = {
  root: string;
  search_mode: string;
  format: HitFormat;
  offset: number;
  /** Hits ranked so far (at most RANKING_DEPTH). */
  total: number;
  /** Whether total is all there is (false: a later page ranks deeper). */
  complete: boolean;
  /** Where the next page starts, or null when this one reaches the end of the ranking. */
  next_offset: number | null;
  /** Whether a reranker reordered the best hits (false also when none is configured). */
  reranked: boolean;
  /** The reranker's report (provider, model, candidates, latency, why not reranked); null when none is configured. */
  rerank: RerankReport | null;
  results: PageHit[];
};

/** Longest best line shown in the compact form. */
const MAX_LINE = 200;

/** The page as a document and its text, within the budget. */
export function pageAnswer(root: string, page: SearchPage, request: PageRequest): { structured: PageDocument; text: string } {
  const hits = page.hits.map((h) => toPageHit(h, request.format));
  const assemble = (results: PageHit[]) => {
    const end = page.offset + results.length;
    const structured: PageDocument = {
      root,
      search_mode: page.searchMode,
      format: request.format,
      offset: page.offset,
      total: page.total,
      complete: page.complete,
      next_offset: end < page.total || (!page.complete && end < RANKING_DEPTH) ? end : null,
      reranked: page.rerank?.reranked ?? false,
      rerank: page.rerank,
      results,
    };
    return { structured, text: textOf(structured) };
  };
  const whole = assemble(hits);
  if (request.maxTokens === undefined || tokensOf(whole) <= request.maxTokens) return whole;
  const budget = request.maxTokens;
  // The most whole hits that fit; then, if the next is a full one, as many of its lines as fit.
  let kept = 0;
  while (kept < hits.length && tokensOf(assemble(hits.slice(0, kept + 1))) <= budget) kept++;
  const fitted = hits.slice(0, kept);
  const next = hits[kept];
  if (next?.code !== undefined) {
    const lines = next.code.split('\n');
    let shown = lines.length - 1;
    // Binary search on the number of lines: the estimate grows with them.
    let lo = 0;
    let hi = shown;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (tokensOf(assemble([...fitted, cut(next, lines, mid)])) <= budget) lo = mid;
      else hi = mid - 1;
    }
    shown = lo;
    if (shown > 0) fitted.push(cut(next, lines, shown));
  }
  // A page always moves on: a hit whose code fits in no way is given in the compact form.
  if (fitted.length === 0 && next) {
    const { code: _code, ...compact } = next;
    if (tokensOf(assemble([compact])) <= budget) fitted.push(compact);
  }
  return assemble(fitted);
}

function toPageHit(h: SearchHit, format: HitFormat): PageHit {
  const lines = h.content.split('\n');
  const best = h.bestLine ?? h.startLine;
  const line = (lines[best - h.startLine] ?? lines[0] ?? '').trim().slice(0, MAX_LINE);
  const base = {
    path: h.path,
    start_line: h.startLine,
    end_line: h.endLine,
    best_line: best,
    line,
    symbol: h.symbol,
    language: h.language,
    score: h.score,
    ...(h.rerankScore === undefined ? {} : { rerank_score: h.rerankScore }),
  };
  return format === 'full' ? { ...base, code: h.content } : base;
}

/** The hit with only its first `count` lines of code. */
function cut(hit: PageHit, lines: string[], count: number): PageHit {
  return { ...hit, code: lines.slice(0, count).join('\n'), end_line: hit.start_line + count - 1, truncated: true };
}

/** What the client receives of an answer, in estimated tokens: the structured result and its text. */
export function tokensOf(answer: { structured: PageDocument; text: string }): number {
  return estimateTokens(JSON.stringify(answer.structured)) + estimateTokens(answer.text);
}

function textOf(doc: PageDocument): string {
  const more = doc.next_offset === null ? '' : `\n\n${doc.complete ? `${doc.total - doc.next_offset} more` : 'More'}: call again with offset ${doc.next_offset}.`;
  if (doc.results.length === 0) return doc.offset > 0 ? `No results from offset ${doc.offset} (${doc.total} in all).` : 'No results.';
  const hits = doc.results.map((r) => {
    const where = `${r.path}:${r.best_line}${r.symbol ? ` ${r.symbol}` : ''} (${r.score.toFixed(3)})`;
    if (r.code === undefined) return `${where}  ${r.line}`;
    return `${r.path}:${r.start_line}-${r.end_line}${r.symbol ? ` ${r.symbol}` : ''} (${r.score.toFixed(3)})${r.truncated ? ' [cut to max_tokens]' : ''}\n${r.code}`;
  });
  // The agent reading the text learns of the reranking as the structured result tells it.
  const rerank = doc.rerank ? (doc.rerank.reranked ? `\n\nReranked by ${doc.rerank.provider}/${doc.rerank.model}.` : `\n\nNot reranked (first-stage order): ${doc.rerank.error}`) : '';
  return hits.join(doc.format === 'full' ? '\n\n' : '\n') + more + rerank;
}
