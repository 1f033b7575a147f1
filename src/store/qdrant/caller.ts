import { QdrantClient } from '@qdrant/js-client-rest';
import { withRetries, type RetryPolicy } from '../../http/retry.js';
import { beforeDeadline, isConflict, isNotFound, isUnavailable, toRetryable, toUserError } from './errors.js';

/**
 * Qdrant is reached over a network: fail over quickly enough that a wrong URL gives its line in
 * seconds, but ride out a restart or a brief 503. Every operation of ours is idempotent
 * (deterministic ids), so every one may be retried.
 */
export const QDRANT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, maxTotalWaitMs: 15_000, baseDelayMs: 250, maxDelayMs: 4_000 };

export interface QdrantCallerOptions {
  url: URL;
  /** The URL as printed: without credentials. */
  displayUrl: string;
  apiKey?: string;
  apiKeyEnv: string;
  /** The name messages use for the index (the alias). */
  alias: string;
  maxConnections: number;
  timeoutMs: number;
  retryPolicy?: RetryPolicy;
}

/**
 * Every request to Qdrant goes through `call`: counted, retried where safe, turned into one
 * line on failure. An operation's attempts and backoff share one deadline (the read timeout),
 * so a Qdrant that accepts connections but never answers costs one timeout, not one per
 * attempt. Once Qdrant is unreachable or stalled the caller is broken: every later call fails
 * at once with the same line.
 */
export class QdrantCaller {
  readonly client: QdrantClient;
  readonly counters: Record<string, number> = { requests: 0 };
  #broken: Error | null = null;

  constructor(private readonly options: QdrantCallerOptions) {
    const { url } = options;
    const prefix = url.pathname.replace(/\/+$/, '');
    this.client = new QdrantClient({
      // The client drops a URL's path unless it comes as `prefix` (e.g. behind a proxy).
      url: url.origin,
      prefix: prefix || undefined,
      // The URL is used exactly as given (the client would otherwise append :6333).
      port: null,
      // Sent as a header rather than `apiKey`, which makes the client print its own warning.
      headers: options.apiKey ? { 'api-key': options.apiKey } : undefined,
      timeout: options.timeoutMs,
      maxConnections: options.maxConnections,
      checkCompatibility: false,
    });
  }

  get broken(): boolean {
    return this.#broken !== null;
  }

  /** `missingOk`: a 404 (no such collection or point) is the caller's to handle, not an error line. */
  async call<T>(op: string, fn: (client: QdrantClient) => Promise<T>, opts: { missingOk?: boolean } = {}): Promise<T> {
    if (this.#broken) throw this.#broken;
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      return await withRetries(
        async () => {
          this.counters.requests!++;
          this.counters[op] = (this.counters[op] ?? 0) + 1;
          try {
            return await beforeDeadline(fn(this.client), deadline);
          } catch (err) {
            throw toRetryable(err);
          }
        },
        { label: 'qdrant', policy: this.options.retryPolicy ?? QDRANT_RETRY_POLICY, deadline },
      );
    } catch (err) {
      // A missing collection (where the caller expects one may be missing), or one created
      // meanwhile, is an answer callers handle.
      if ((opts.missingOk && isNotFound(err)) || isConflict(err)) throw err;
      const userError = toUserError(err, {
        url: this.options.displayUrl,
        apiKeyEnv: this.options.apiKeyEnv,
        op: op.replace(/_/g, ' '),
        collection: this.options.alias,
        timeoutSeconds: this.options.timeoutMs / 1000,
      });
      if (isUnavailable(err)) this.#broken = userError;
      throw userError;
    }
  }
}
