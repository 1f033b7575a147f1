import { CohereClientV2 } from 'cohere-ai';
import { callThroughSdk } from '../http/exchange.js';
import { sdkTimeoutSeconds } from '../http/sdk-timeout.js';
import type { HttpClient } from '../http/types.js';
import type { RerankWire, RerankWireResult } from './reranker.js';
import { scoresByIndex } from './scores.js';

export interface CohereRerankOptions {
  client: HttpClient;
  baseUrl: string;
  apiKey: string;
  model: string;
  maxTokensPerDoc: number;
  redact: (s: string) => string;
}

/** Cohere's POST /v2/rerank through the official SDK (CohereClientV2) over the pooled fetch, SDK retries off. */
export class CohereRerankWire implements RerankWire {
  readonly #o: CohereRerankOptions;
  readonly #timeoutInSeconds: number;

  constructor(options: CohereRerankOptions) {
    this.#o = options;
    this.#timeoutInSeconds = sdkTimeoutSeconds(options.client.settings);
  }

  async send(query: string, documents: string[], signal: AbortSignal): Promise<RerankWireResult> {
    const { client, baseUrl, apiKey, model, maxTokensPerDoc, redact } = this.#o;
    const { response, exchange } = await callThroughSdk(client.fetch, 'cohere rerank', redact, (fetch) =>
      new CohereClientV2({ token: apiKey, baseUrl, fetch, maxRetries: 0, timeoutInSeconds: this.#timeoutInSeconds }).rerank(
        { model, query, documents, topN: documents.length, maxTokensPerDoc },
        { abortSignal: signal, maxRetries: 0 },
      ),
    );
    const billed = response?.meta?.billedUnits;
    return {
      scores: scoresByIndex('cohere rerank', response?.results, documents.length, 'relevanceScore'),
      // Cohere bills rerank in search units (one per query of up to 100 documents), not tokens.
      tokens: typeof billed?.inputTokens === 'number' ? billed.inputTokens : null,
      bytesSent: exchange.bytesSent,
      bytesReceived: exchange.body.byteLength,
      headers: exchange.headers,
    };
  }
}
