import { isSuccess, parseJson, requestExchange, statusError } from '../http/exchange.js';
import type { HttpClient } from '../http/types.js';
import { MalformedRerankError, type RerankWire, type RerankWireResult } from './reranker.js';
import { scoresByIndex } from './scores.js';

export interface JinaRerankOptions {
  client: HttpClient;
  /** Up to the version path: `https://api.jina.ai/v1`, `http://localhost:8080/v1`. */
  baseUrl: string;
  /** null: a self-hosted server that wants no key (no Authorization header is sent). */
  apiKey: string | null;
  model: string;
  redact: (s: string) => string;
}

/**
 * The Jina-style POST {base}/rerank that Jina's API, vLLM, Infinity and text-embeddings-inference
 * speak: `{model, query, documents, top_n}` → `{results: [{index, relevance_score}], usage}`.
 * No SDK exists for it; our own JSON over the pooled `request` (no fetch machinery).
 */
export class JinaRerankWire implements RerankWire {
  readonly #o: JinaRerankOptions;
  readonly #url: string;

  constructor(options: JinaRerankOptions) {
    this.#o = options;
    this.#url = `${options.baseUrl}/rerank`;
  }

  async send(query: string, documents: string[], signal: AbortSignal): Promise<RerankWireResult> {
    const { client, apiKey, model, redact } = this.#o;
    const body = JSON.stringify({ model, query, documents, top_n: documents.length, return_documents: false });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const ex = await requestExchange(client.request, this.#url, { method: 'POST', headers, body, signal });
    if (!isSuccess(ex.status)) throw statusError('jina rerank', ex, redact);
    const json = parseJson(ex, (what) => new MalformedRerankError('jina rerank', what)) as { results?: unknown; usage?: { total_tokens?: unknown } } | null;
    const total = json?.usage?.total_tokens;
    return {
      scores: scoresByIndex('jina rerank', json?.results, documents.length, 'relevance_score'),
      tokens: typeof total === 'number' ? total : null,
      bytesSent: ex.bytesSent,
      bytesReceived: ex.body.byteLength,
      headers: ex.headers,
    };
  }
}
