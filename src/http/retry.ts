import { ServiceError } from '../errors.js';
import { classifyHttpError } from './errors.js';

/**
 * The one retry layer. SDKs are configured with `maxRetries: 0` and undici's retry
 * interceptor is not used (it cannot replay a fetch POST body): a retry here re-issues
 * the whole request, so every attempt is a fresh, complete exchange.
 */

export interface RetryPolicy {
  /** Most attempts per request, the first included. */
  maxAttempts: number;
  /** Most time one request may spend sleeping between attempts (backoff and Retry-After). */
  maxTotalWaitMs: number;
  /** Backoff ceiling before the first retry; doubles each retry (full jitter below it). */
  baseDelayMs: number;
  /** Backoff ceiling never exceeds this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 6,
  maxTotalWaitMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** A complete HTTP answer whose status says the request failed. */
export class HttpStatusError extends ServiceError {
  readonly status: number;
  /** From the Retry-After header, when the server sent one we could read. */
  readonly retryAfterMs: number | null;
  /** The server's own explanation (trimmed), for messages and "batch too large" detection. */
  readonly detail: string;
  constructor(client: string, status: number, detail: string, retryAfterMs: number | null) {
    super(`${client}: HTTP ${status}${detail ? ` — ${detail}` : ''}`);
    this.status = status;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Thrown when a request kept failing until the policy ran out. Its kind is `unavailable` when
 * the last failure was one a retry could have mended (the service is down, not the request
 * wrong): what a run counts toward stopping for an outage.
 */
export class RetriesExhaustedError extends ServiceError {
  readonly attempts: number;
  readonly lastError: unknown;
  constructor(client: string, attempts: number, why: string, lastError: unknown) {
    super(
      `${client}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${why}): ${messageOf(lastError)}`,
      { cause: lastError },
      retryVerdict(lastError) === 'retry' ? 'unavailable' : 'service',
    );
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

/**
 * What to do with a failed attempt:
 * - retry: transient (408, 5xx, reset, timeouts, a response cut short);
 * - rate-limited: 429, retry after slowing the whole provider down;
 * - auth: 401/403, stop everything, retrying cannot help;
 * - fatal: anything else (400, 404, 422, bugs, the caller's abort).
 */
export type RetryVerdict = 'retry' | 'rate-limited' | 'auth' | 'fatal';

/** Errors outside HTTP (e.g. a 200 whose JSON was cut short) opt in to retries with this flag. */
export interface MaybeRetryable {
  retryable?: boolean;
}

export function retryVerdict(err: unknown): RetryVerdict {
  if (err instanceof HttpStatusError) {
    const s = err.status;
    if (s === 429) return 'rate-limited';
    if (s === 401 || s === 403) return 'auth';
    if (s === 408 || s >= 500) return 'retry';
    return 'fatal';
  }
  if ((err as MaybeRetryable | null)?.retryable === true) return 'retry';
  const kind = classifyHttpError(err);
  return kind === 'timeout' || kind === 'connection' ? 'retry' : 'fatal';
}

/** Retry-After in delta-seconds or HTTP-date form (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Full jitter (uniform in [0, min(cap, base·2^retry)]): spreads a burst of retries instead of re-synchronising it. */
export function fullJitterDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** Sleeps, but wakes at once (rejecting with the signal's reason) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

export interface RetryEvent {
  /** 1-based number of the attempt that failed. */
  attempt: number;
  error: unknown;
  verdict: 'retry' | 'rate-limited';
  delayMs: number;
}

export interface RetryOptions {
  /** Names the provider or client in messages. */
  label: string;
  policy?: RetryPolicy;
  signal?: AbortSignal;
  /**
   * Absolute time (ms since the epoch) after which no new attempt starts: attempts and
   * backoff share this one budget, so a stalled service costs one deadline, not one per attempt.
   */
  deadline?: number;
  random?: () => number;
  /** Called before each backoff sleep: the place to count retries and slow the provider down. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error (rethrown as is),
 * or the policy's attempts or total wait run out (RetriesExhaustedError).
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const random = opts.random ?? Math.random;
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      const verdict = retryVerdict(err);
      if (verdict !== 'retry' && verdict !== 'rate-limited') throw err;
      if (n >= policy.maxAttempts) throw new RetriesExhaustedError(opts.label, n, `max ${policy.maxAttempts} attempts`, err);
      const asked = err instanceof HttpStatusError ? err.retryAfterMs : null;
      const delayMs = asked ?? fullJitterDelay(n - 1, policy, random);
      if (opts.deadline !== undefined && Date.now() + delayMs >= opts.deadline) {
        throw new RetriesExhaustedError(opts.label, n, 'deadline reached', err);
      }
      if (waited + delayMs > policy.maxTotalWaitMs) {
        const why =
          asked !== null
            ? `server asked to wait ${fmtSeconds(asked)}, past the ${fmtSeconds(policy.maxTotalWaitMs)} retry budget`
            : `retry budget of ${fmtSeconds(policy.maxTotalWaitMs)} spent`;
        throw new RetriesExhaustedError(opts.label, n, why, err);
      }
      opts.onRetry?.({ attempt: n, error: err, verdict, delayMs });
      await sleep(delayMs, opts.signal);
      waited += delayMs;
    }
  }
}

function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
