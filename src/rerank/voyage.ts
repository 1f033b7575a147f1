import { VoyageAIClient } from 'voyageai';
import { callThroughSdk } from '../http/exchange.js';
import { sdkTimeoutSeconds } from '../http/sdk-timeout.js';
import type { HttpClient } from '../http/types.js';
import type { RerankWire, RerankWireResult } from './reranker.js';
import { scoresByIndex } from './scores.js';

export interface VoyageRerankOptions {
  client: HttpClient;
  baseUrl: string;
  apiKey: string;
  model: string;
  redact: (s: string) => string;
}

/** Voyage's POST /v1/rerank through the official SDK over the pooled fetch, SDK retries off. */
export class VoyageRerankWire implements RerankWire {
  readonly #o: VoyageRerankOptions;
  readonly #timeoutInSeconds: number;

  constructor(options: VoyageRerankOptions) {
    this.#o = options;
    this.#timeoutInSeconds = sdkTimeoutSeconds(options.client.settings);
  }

  async send(query: string, documents: string[], signal: AbortSignal): Promise<RerankWireResult> {
    const { client, baseUrl, apiKey, model, redact } = this.#o;
    const { response, exchange } = await callThroughSdk(client.fetch, 'voyage rerank', redact, (fetch) =>
      new VoyageAIClient({ apiKey, baseUrl, fetch, maxRetries: 0, timeoutInSeconds: this.#timeoutInSeconds }).rerank(
        // truncation: the API cuts what still exceeds the model's context rather than refusing.
        { query, documents, model, truncation: true, returnDocuments: false },
        { abortSignal: signal, maxRetries: 0 },
      ),
    );
    return {
      scores: scoresByIndex('voyage rerank', response?.data, documents.length, 'relevanceScore'),
      tokens: typeof response?.usage?.totalTokens === 'number' ? response.usage.totalTokens : null,
      bytesSent: exchange.bytesSent,
      bytesReceived: exchange.body.byteLength,
      headers: exchange.headers,
    };
  }
}
