/**
 * A reranker reorders a search's best first-stage hits by reading each with the query (a
 * cross-encoder), which a first stage, scoring query and chunk apart, cannot do. It is one more
 * provider call, made as embeddings are: through the provider's pooled client (its connections,
 * HTTP/2, timeouts), the one retry layer, the provider-wide 429 cool-down (shared with the
 * provider's embedding calls) and the requests/tokens-per-minute budget.
 */
import type { RerankProviderName } from '../config/schema.js';
import { AuthError, ServiceError } from '../errors.js';
import { estimateTokens } from '../chunking/tokens.js';
import { RateBudget } from '../http/rate-budget.js';
import type { RateLimitCooldown } from '../http/rate-limit.js';
import { abortReason, DEFAULT_RETRY_POLICY, HttpStatusError, retryVerdict, withRetries, type RetryEvent, type RetryPolicy } from '../http/retry.js';
import type { HttpClient } from '../http/types.js';
import type { MaybeRetryable } from '../http/retry.js';

/** An answer that is not what the API promises (not JSON, scores missing): retried, then the first-stage order stands. */
export class MalformedRerankError extends ServiceError implements MaybeRetryable {
  readonly retryable = true;
  constructor(label: string, what: string) {
    super(`${label}: malformed rerank response: ${what}`);
  }
}

/** One rerank request's answer: a score per document sent, in the order sent. */
export interface RerankWireResult {
  /** `scores[i]` is the relevance of document i (higher is better). */
  scores: number[];
  /** Tokens the provider counted (billed), when it says. */
  tokens: number | null;
  bytesSent: number;
  bytesReceived: number;
  headers?: { get(name: string): string | null };
}

/** One provider's rerank API. Throws HttpStatusError for a non-2xx answer, the pool's typed errors for transport failures. */
export interface RerankWire {
  send(query: string, documents: string[], signal: AbortSignal): Promise<RerankWireResult>;
}

export interface RerankOutcome {
  scores: number[];
  tokens: number | null;
  /** Time spent in the call, retries and waits included. */
  latencyMs: number;
}

export interface Reranker {
  readonly provider: RerankProviderName;
  readonly model: string;
  /** Longest document the model reads, in tokens (longer ones are cut before sending). */
  readonly maxDocumentTokens: number;
  rerank(query: string, documents: string[], signal?: AbortSignal): Promise<RerankOutcome>;
  close(): Promise<void>;
}

export interface RemoteRerankerOptions {
  provider: RerankProviderName;
  model: string;
  wire: RerankWire;
  client: HttpClient;
  maxDocumentTokens: number;
  /** The env var holding the key, for the one-line auth message; null when none is used. */
  keyEnv: string | null;
  retryPolicy?: RetryPolicy;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export class RemoteReranker implements Reranker {
  readonly provider: RerankProviderName;
  readonly model: string;
  readonly maxDocumentTokens: number;
  readonly #o: RemoteRerankerOptions;
  readonly #cooldown: RateLimitCooldown;
  readonly #budget = new RateBudget();
  /** Aborted with the AuthError at the first 401/403: later searches report it without a request. */
  readonly #fatal = new AbortController();

  constructor(options: RemoteRerankerOptions) {
    this.#o = options;
    this.provider = options.provider;
    this.model = options.model;
    this.maxDocumentTokens = options.maxDocumentTokens;
    this.#cooldown = options.client.cooldown;
  }

  async rerank(query: string, documents: string[], signal?: AbortSignal): Promise<RerankOutcome> {
    if (this.#fatal.signal.aborted) throw this.#fatal.signal.reason;
    const started = performance.now();
    if (documents.length === 0) return { scores: [], tokens: 0, latencyMs: 0 };
    const combined = AbortSignal.any(signal ? [signal, this.#fatal.signal] : [this.#fatal.signal]);
    try {
      const result = await withRetries(() => this.#attempt(query, documents, combined), {
        label: `${this.provider} rerank`,
        policy: this.#o.retryPolicy ?? DEFAULT_RETRY_POLICY,
        signal: combined,
        random: this.#o.random,
        onRetry: (event) => {
          if (event.verdict === 'rate-limited') this.#cooldown.extend(event.delayMs);
          this.#o.onRetry?.(event);
        },
      });
      return { scores: result.scores, tokens: result.tokens, latencyMs: performance.now() - started };
    } catch (err) {
      if (this.#fatal.signal.aborted) throw this.#fatal.signal.reason;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.#fatal.signal.aborted) this.#fatal.abort(new DOMException(`${this.provider}: reranker closed`, 'AbortError'));
  }

  async #attempt(query: string, documents: string[], signal: AbortSignal): Promise<RerankWireResult> {
    try {
      await this.#cooldown.wait(signal);
      await this.#budget.take(this.#budget.countsTokens ? documents.reduce((n, d) => n + estimateTokens(d), estimateTokens(query)) : 0, signal);
      if (signal.aborted) throw abortReason(signal);
      const result = await this.#o.wire.send(query, documents, signal);
      if (result.headers) this.#budget.observe(result.headers);
      if (result.scores.length !== documents.length || result.scores.some((s) => !Number.isFinite(s))) {
        throw new MalformedRerankError(this.provider, `${result.scores.filter(Number.isFinite).length} scores for ${documents.length} documents`);
      }
      return result;
    } catch (err) {
      if (retryVerdict(err) === 'auth') this.#fatal.abort(this.#authError(err as HttpStatusError));
      throw err;
    }
  }

  /** One line naming the provider and the variable; never the key, never the server's text (it may echo the key). */
  #authError(err: HttpStatusError): AuthError {
    const fix = this.#o.keyEnv ? `check ${this.#o.keyEnv} (or search.rerank.api_key_env)` : 'the server wants an API key: set search.rerank.api_key_env';
    return new AuthError(`${this.provider} rerank: API key refused (HTTP ${err.status}) — ${fix}`);
  }
}
