/**
 * Loopback rerank APIs speaking each provider's real wire format (as their API references give
 * it), for tests through the real SDKs and our own JSON path:
 * - Voyage   POST /v1/rerank  {query, documents, model, top_k?, truncation?, return_documents?}
 *            → {object: "list", data: [{index, relevance_score}], model, usage: {total_tokens}}
 * - Cohere   POST /v2/rerank  {model, query, documents, top_n?, max_tokens_per_doc?}
 *            → {id, results: [{index, relevance_score}], meta: {api_version, billed_units: {search_units}}}
 * - Jina-style (Jina, vLLM, Infinity, TEI) POST /v1/rerank {model, query, documents, top_n?, return_documents?}
 *            → {model, results: [{index, relevance_score}], usage: {total_tokens}}
 * The score is deterministic and unlike a first stage's: the query's words found in the
 * document, plus 100 for a document holding FAVOURITE_MARK, so a test knows the order to expect.
 */
import { startLoopbackServer, type CapturedRequest, type LoopbackServer, type Reply } from '../../embedding/servers/loopback.js';
import { voyageReply } from '../../embedding/servers/providers.js';

export type RerankProvider = 'voyage' | 'cohere' | 'jina';

/** A document holding this is the reranker's favourite, wherever the first stage put it. */
export const FAVOURITE_MARK = 'rerankFavouriteMarker';

export function rerankScore(query: string, document: string): number {
  const words = new Set(query.toLowerCase().split(/[^a-z0-9_]+/).filter((w) => w.length >= 3));
  const text = document.toLowerCase();
  let score = 0;
  for (const w of words) if (text.includes(w)) score += 1;
  return (document.includes(FAVOURITE_MARK) ? 100 : 0) + score / (words.size || 1);
}

/** The ranked results a rerank API answers: best first, cut to top_n/top_k. */
function ranked(query: string, documents: string[], top: number | undefined) {
  const all = documents.map((d, index) => ({ index, relevance_score: rerankScore(query, d) }));
  all.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  return all.slice(0, top ?? all.length);
}

const tokensOf = (texts: string[]) => texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);

export function rerankReply(provider: RerankProvider, req: CapturedRequest): Reply {
  const { query, documents } = req.body as { query: string; documents: string[] };
  if (typeof query !== 'string' || !Array.isArray(documents)) return { status: 422, json: { detail: 'query and documents are required' } };
  if (provider === 'voyage') {
    return { json: { object: 'list', data: ranked(query, documents, req.body.top_k), model: req.body.model, usage: { total_tokens: tokensOf([query, ...documents]) } } };
  }
  if (provider === 'cohere') {
    return {
      json: {
        id: '07734bd2-2473-4f07-94e1-0d9f0e6843cf',
        results: ranked(query, documents, req.body.top_n),
        meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
      },
    };
  }
  return { json: { model: req.body.model, results: ranked(query, documents, req.body.top_n), usage: { total_tokens: tokensOf([query, ...documents]) } } };
}

const RERANK_PATH: Record<RerankProvider, string> = { voyage: '/v1/rerank', cohere: '/v2/rerank', jina: '/v1/rerank' };
const BASE_PATH: Record<RerankProvider, string> = { voyage: '/v1', cohere: '', jina: '/v1' };

export interface RerankServer extends LoopbackServer {
  /** What to configure as search.rerank.base_url. */
  baseUrl: string;
  /** The rerank requests received (a Voyage server also answers embeddings). */
  reranks(): CapturedRequest[];
  /** The normal answer, for scripted responders to fall back on. */
  ok(req: CapturedRequest): Reply;
}

export interface RerankServerOptions {
  /** Answer 401 unless the request carries `Authorization: Bearer <key>`. */
  key?: string;
  protocol?: 'http' | 'https' | 'h2';
}

/** A rerank API on loopback; Voyage's also answers POST /v1/embeddings, as the real one does on the same origin. */
export async function startRerankServer(provider: RerankProvider, options: RerankServerOptions = {}): Promise<RerankServer> {
  const ok = (req: CapturedRequest): Reply => {
    if (options.key !== undefined && req.headers.authorization !== `Bearer ${options.key}`) {
      // As real APIs do, the refusal quotes what it was given: it must never reach the user.
      return { status: 401, json: { detail: `Provided API key is invalid: ${String(req.headers.authorization ?? '').replace(/^Bearer /, '')}` } };
    }
    if (req.url.endsWith('/rerank')) return rerankReply(provider, req);
    if (provider === 'voyage' && req.url.endsWith('/embeddings')) return voyageReply(req, {});
    return { status: 404, json: { detail: `no route ${req.url}` } };
  };
  const server = await startLoopbackServer({ protocol: options.protocol, respond: ok });
  return Object.assign(server, {
    baseUrl: server.origin + BASE_PATH[provider],
    ok,
    reranks: () => server.requests.filter((r) => r.url === RERANK_PATH[provider]),
  });
}
