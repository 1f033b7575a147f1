import type { EmbeddingProviderName } from '../config/schema.js';
import { AuthError } from '../errors.js';
import { AdaptiveConcurrency, type ConcurrencyTicket } from '../http/adaptive-concurrency.js';
import { RateLimitCooldown } from '../http/rate-limit.js';
import { RateBudget } from '../http/rate-budget.js';
import { estimateTokens } from '../chunking/tokens.js';
import {
  abortReason,
  DEFAULT_RETRY_POLICY,
  HttpStatusError,
  retryVerdict,
  withRetries,
  type RetryEvent,
  type RetryPolicy,
} from '../http/retry.js';
import type { HttpClient } from '../http/types.js';
import { isBatchTooLarge } from './batch-too-large.js';
import type { Embedder, EmbedderLimits, EmbedderStats, InputType } from './embedder.js';
import { VectorCountMismatchError, VectorDimensionError } from './errors.js';
import { LatencyReservoir } from './latency.js';

/** One request in one provider's wire format. */
export interface WireResult {
  /** In input order, one per text (the wire format restores order from `index` fields). */
  vectors: Float32Array[];
  bytesSent: number;
  bytesReceived: number;
  /** The response's headers (the API's rate-limit figures are read from them). */
  headers?: { get(name: string): string | null };
}

export interface WireFormat {
  /** Sends one batch; throws HttpStatusError for non-2xx answers, the pool's typed errors for transport failures. */
  send(texts: string[], inputType: InputType, signal: AbortSignal): Promise<WireResult>;
}

export interface RemoteEmbedderOptions {
  provider: EmbeddingProviderName;
  model: string;
  wire: WireFormat;
  /** Where the wire sends requests, for messages (credentials removed). */
  endpoint: string | null;
  /** The pooled client the wire format sends through (for connection figures). */
  client: HttpClient;
  /** Length of every returned vector; null = probe once in init(). */
  dimensions: number | null;
  limits: EmbedderLimits;
  pricePerMillionTokens: number | null;
  /** Most requests in flight (`embedding.concurrency`); AIMD moves between 1 and this. */
  concurrency: number;
  /** The env var holding the key (for the one-line auth message); null when none is used. */
  keyEnv: string | null;
  retryPolicy?: RetryPolicy;
  random?: () => number;
  /** Told of each retry before its backoff sleep (progress displays: "voyage: 429, waiting 1.0 s"). */
  onRetry?: (event: RetryEvent) => void;
  /** The account's limits (`embedding.requests_per_minute`, `tokens_per_minute`); the API's headers fill in the rest. */
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number };
}

const PROBE_TEXT = 'codeweaver dimension probe';

/**
 * A remote provider behind the Embedder interface: the wire format says how to talk to it;
 * this class owns everything around a request — retries (the only layer), the provider-wide
 * 429 cool-down, AIMD concurrency, batch splitting, the vector-count contract, the auth
 * stop, and the figures.
 */
export class RemoteEmbedder implements Embedder {
  readonly provider: EmbeddingProviderName;
  readonly model: string;
  readonly limits: EmbedderLimits;
  readonly pricePerMillionTokens: number | null;
  readonly endpoint: string | null;
  readonly #o: RemoteEmbedderOptions;
  readonly #policy: RetryPolicy;
  readonly #concurrency: AdaptiveConcurrency;
  /** The provider's 429 cool-down, shared by every caller of its pooled client (a reranker too). */
  readonly #cooldown: RateLimitCooldown;
  /** Requests and tokens per minute: every attempt takes its share first (see rate-budget.ts). */
  readonly #budget: RateBudget;
  /** Aborted with the AuthError on the first 401/403: every other batch stops with it. */
  readonly #fatal = new AbortController();
  readonly #latency: LatencyReservoir;
  #dimensions: number | null;
  #init: Promise<void> | undefined;
  #stats = { requests: 0, retries: 0, rate_limited: 0, bytes_sent: 0, bytes_received: 0 };

  constructor(options: RemoteEmbedderOptions) {
    this.#o = options;
    this.provider = options.provider;
    this.model = options.model;
    this.limits = options.limits;
    this.pricePerMillionTokens = options.pricePerMillionTokens;
    this.endpoint = options.endpoint;
    this.#dimensions = options.dimensions;
    this.#policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.#concurrency = new AdaptiveConcurrency({ max: options.concurrency });
    this.#budget = new RateBudget(options.rateLimits);
    this.#cooldown = options.client.cooldown ?? new RateLimitCooldown();
    this.#latency = new LatencyReservoir(1024, options.random);
  }

  get dimensions(): number | null {
    return this.#dimensions;
  }

  /** The AIMD limit right now (for tests and progress displays). */
  get concurrencyLimit(): number {
    return this.#concurrency.limit;
  }

  /** Probes the vector size of a model the catalogue does not know: once per run, never per batch. */
  init(signal?: AbortSignal): Promise<void> {
    if (this.#dimensions !== null) return Promise.resolve();
    this.#init ??= this.embed([PROBE_TEXT], 'document', signal).then(
      () => undefined,
      (err) => {
        this.#init = undefined;
        throw err;
      },
    );
    return this.#init;
  }

  async embed(texts: string[], inputType: InputType, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.#fatal.signal.aborted) throw this.#fatal.signal.reason;
    if (texts.length === 0) return [];
    // A signal of its own for each call: the SDKs, fetch, backoff sleeps and the concurrency
    // queue each listen on it, and on one shared signal those listeners pile up past Node's
    // limit of 10 (MaxListenersExceededWarning). AbortSignal.any adds no listener to its sources.
    const combined = AbortSignal.any(signal ? [signal, this.#fatal.signal] : [this.#fatal.signal]);
    try {
      return await this.#embedSplitting(texts, inputType, combined);
    } catch (err) {
      if (this.#fatal.signal.aborted) throw this.#fatal.signal.reason;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.#fatal.signal.aborted) this.#fatal.abort(new DOMException(`${this.provider}: embedder closed`, 'AbortError'));
  }

  stats(): EmbedderStats {
    return {
      ...this.#stats,
      connections_opened: this.#o.client.stats().connections_opened ?? 0,
      rate_limit_wait_ms: Math.round(this.#budget.waitedMs),
      latency_ms: { p50: this.#latency.percentile(50), p95: this.#latency.percentile(95) },
    };
  }

  /** A batch the provider calls too large is halved, each half embedded in turn, results re-joined in order. */
  async #embedSplitting(texts: string[], inputType: InputType, signal: AbortSignal): Promise<Float32Array[]> {
    try {
      return await withRetries(() => this.#attempt(texts, inputType, signal), {
        label: this.provider,
        policy: this.#policy,
        signal,
        random: this.#o.random,
        onRetry: (event) => {
          this.#stats.retries++;
          if (event.verdict === 'rate-limited') this.#cooldown.extend(event.delayMs);
          this.#o.onRetry?.(event);
        },
      });
    } catch (err) {
      if (texts.length < 2 || !isBatchTooLarge(err)) throw err;
      const half = Math.ceil(texts.length / 2);
      const head = await this.#embedSplitting(texts.slice(0, half), inputType, signal);
      const tail = await this.#embedSplitting(texts.slice(half), inputType, signal);
      return [...head, ...tail];
    }
  }

  async #attempt(texts: string[], inputType: InputType, signal: AbortSignal): Promise<Float32Array[]> {
    const ticket: ConcurrencyTicket = await this.#concurrency.acquire(signal);
    let outcome: 'success' | 'rate-limited' | 'other' = 'other';
    try {
      await this.#cooldown.wait(signal);
      await this.#budget.take(this.#budget.countsTokens ? texts.reduce((n, t) => n + estimateTokens(t), 0) : 0, signal);
      if (signal.aborted) throw abortReason(signal);
      this.#stats.requests++;
      const started = performance.now();
      const result = await this.#o.wire.send(texts, inputType, signal);
      if (result.headers) this.#budget.observe(result.headers);
      this.#latency.record(performance.now() - started);
      this.#stats.bytes_sent += result.bytesSent;
      this.#stats.bytes_received += result.bytesReceived;
      this.#check(texts.length, result.vectors);
      outcome = 'success';
      return result.vectors;
    } catch (err) {
      const verdict = retryVerdict(err);
      if (verdict === 'rate-limited') {
        outcome = 'rate-limited';
        this.#stats.rate_limited++;
      } else if (verdict === 'auth') {
        this.#fatal.abort(this.#authError(err as HttpStatusError));
      }
      throw err;
    } finally {
      this.#concurrency.release(ticket, outcome);
    }
  }

  #check(sent: number, vectors: Float32Array[]): void {
    if (vectors.length !== sent) throw new VectorCountMismatchError(this.provider, sent, vectors.length);
    const expected = this.#dimensions ?? vectors[0].length;
    const odd = vectors.find((v) => v.length !== expected);
    if (odd) throw new VectorDimensionError(this.provider, expected, odd.length);
    this.#dimensions = expected;
  }

  /** One line naming the provider and the env var; never the key, never the server's text (it may echo the key). */
  #authError(err: HttpStatusError): AuthError {
    const fix = this.#o.keyEnv
      ? `check ${this.#o.keyEnv} (or embedding.api_key_env)`
      : 'the server wants an API key: set embedding.api_key_env';
    return new AuthError(`${this.provider}: API key refused (HTTP ${err.status}) — ${fix}`);
  }
}
