/**
 * A query against a collection: dense and sparse (BM25) candidates fused by reciprocal rank, or
 * sparse alone for a lexical collection, within the path filter; hits with the snippet rule
 * both stores share.
 */
import { canonicalPrefix } from '../path-prefix.js';
import { querySparseVector } from '../ranking/bm25-sparse.js';
import { hitSymbol, parseDefinitions } from '../ranking/hit-symbol.js';
import { quantizedSearchParams, type QuantizationSetting } from './quantization.js';
import { snippetOf } from '../ranking/snippet.js';
import { codeTerms } from '../ranking/terms.js';
import type { SearchHit, SearchQuery } from '../vector-store.js';
import type { QdrantCaller } from './caller.js';
import { DENSE, LEXICAL, match, type Payload } from './points.js';

export async function searchCollection(
  caller: QdrantCaller,
  collection: string,
  dimensions: number | null,
  query: SearchQuery,
  quantization: QuantizationSetting = 'none',
): Promise<SearchHit[]> {
  const must: unknown[] = [match('kind', 'chunk')];
  const prefix = canonicalPrefix(query.pathPrefix);
  // A directory (any file below it) or a single file.
  if (prefix) must.push({ should: [match('dirs', prefix), match('path', prefix)] });
  const filter = { must };
  // A lexical-only collection has no dense vector to query.
  const vector = dimensions ? query.vector : null;
  const sparse = querySparseVector(query.text);
  const candidates = Math.max(query.limit * 4, 20);
  const result = await caller.call('query', (c) =>
    vector
      ? c.query(collection, {
          prefetch: [
            { query: Array.from(vector), using: DENSE, limit: candidates, filter, ...withParams(quantizedSearchParams(quantization)) },
            ...(sparse.indices.length ? [{ query: sparse, using: LEXICAL, limit: candidates, filter }] : []),
          ],
          query: { fusion: 'rrf' },
          limit: query.limit,
          with_payload: true,
        })
      : sparse.indices.length === 0
        ? Promise.resolve({ points: [] })
        : c.query(collection, { query: sparse, using: LEXICAL, filter, limit: query.limit, with_payload: true }),
  );
  const terms = new Set(codeTerms(query.text));
  return result.points.map((p) => {
    const payload = (p.payload ?? {}) as Payload;
    const content = String(payload.content ?? '');
    const snippet = snippetOf(content, terms);
    const startLine = Number(payload.start_line);
    const bestLine = snippet.best < 0 ? null : startLine + snippet.best;
    return {
      path: String(payload.path),
      startLine: Number(payload.start_line),
      endLine: Number(payload.end_line),
      score: p.score,
      content,
      snippet: snippet.text,
      snippetStartLine: Number(payload.start_line) + snippet.offset,
      bestLine,
      symbol: hitSymbol(typeof payload.symbol === 'string' ? payload.symbol : null, parseDefinitions(payload.definitions), bestLine),
      language: String(payload.language ?? 'text'),
    };
  });
}

/** `{ params }` when there are any: a plain query carries none. */
function withParams(params: Record<string, unknown> | undefined): { params?: Record<string, unknown> } {
  return params ? { params } : {};
}
