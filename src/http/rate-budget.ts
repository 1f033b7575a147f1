import { sleep } from './retry.js';

/**
 * Staying under a provider's per-minute limits instead of bouncing off them. Embedding APIs cap
 * requests and tokens per minute per account; past the cap every request is a 429 and its
 * backoff, and on a big run that, not our CPU, sets the pace. So every request of a provider
 * (all batches, all attempts) first takes its share from two token buckets:
 *
 * - the limits configured (`embedding.requests_per_minute`, `embedding.tokens_per_minute`), or,
 *   where none is, the limits the API announces in its `x-ratelimit-limit-*` headers (OpenAI,
 *   Azure OpenAI and the APIs that copy them);
 * - the API's own view, when it sends one: `x-ratelimit-remaining-*` lowers what we think is
 *   left (it counts tokens its own way, and other clients share the account), and when nothing
 *   is left requests wait for `x-ratelimit-reset-*`.
 *
 * Buckets refill continuously at limit ÷ 60 s and hold half a second's worth, so a run starts
 * gently instead of bursting a minute's quota at once, and requests that reach the API bunched
 * (network and event-loop jitter) still fit the API's own burst, which is at least a second. A request goes when its share is in the
 * bucket; one larger than the bucket waits until it is full and leaves it in debt, paid by the
 * requests after it: the rate over time is the limit, never above it.
 */
export interface RateBudgetOptions {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  now?: () => number;
}

class Bucket {
  /** Units per ms; 0 while no limit is known (the bucket then never waits). */
  #rate = 0;
  #capacity = 0;
  #level = 0;
  #at: number;
  /** No unit is available before this (the API said none is left until its reset). */
  #blockedUntil = 0;
  /** The limit came from configuration: headers do not override it. */
  #configured = false;

  constructor(
    private readonly now: () => number,
    perMinute: number | undefined,
  ) {
    this.#at = now();
    if (perMinute) {
      this.#configured = true;
      this.#setLimit(perMinute);
      this.#level = this.#capacity;
    }
  }

  /** A limit is known: what is taken counts. */
  get limited(): boolean {
    return this.#rate > 0;
  }

  /** ms until `units` may be taken (a request larger than the bucket: until it is full); 0: now. */
  waitFor(units: number): number {
    const now = this.now();
    if (this.#blockedUntil > now) return this.#blockedUntil - now;
    if (this.#rate === 0) return 0;
    this.#refill(now);
    const needed = Math.min(units, this.#capacity);
    return this.#level >= needed ? 0 : Math.ceil((needed - this.#level) / this.#rate);
  }

  take(units: number): void {
    if (this.#rate === 0) return;
    this.#refill(this.now());
    this.#level -= units;
  }

  /** What the API says: its limit (per minute), what is left, and when it is whole again. */
  observe(limit: number | null, remaining: number | null, resetMs: number | null): void {
    const now = this.now();
    if (limit !== null && limit > 0 && !this.#configured && Math.abs(limit / 60_000 - this.#rate) > 1e-9) {
      const first = this.#rate === 0;
      this.#setLimit(limit);
      if (first) {
        this.#at = now;
        this.#level = Math.min(this.#capacity, remaining ?? this.#capacity);
      }
    }
    if (remaining === null) return;
    this.#refill(now);
    if (this.#rate > 0) this.#level = Math.min(this.#level, remaining);
    if (remaining <= 0 && resetMs !== null) this.#blockedUntil = Math.max(this.#blockedUntil, now + resetMs);
  }

  #setLimit(perMinute: number): void {
    this.#rate = perMinute / 60_000;
    this.#capacity = Math.max(1, perMinute / 60 / 2);
  }

  #refill(now: number): void {
    this.#level = Math.min(this.#capacity, this.#level + (now - this.#at) * this.#rate);
    this.#at = now;
  }
}

export class RateBudget {
  readonly #requests: Bucket;
  readonly #tokens: Bucket;
  /** Time spent waiting for the budget, for the run's figures. */
  waitedMs = 0;

  constructor(options: RateBudgetOptions = {}) {
    const now = options.now ?? Date.now;
    this.#requests = new Bucket(now, options.requestsPerMinute);
    this.#tokens = new Bucket(now, options.tokensPerMinute);
  }

  /**
   * Waits until one request of `tokens` fits both budgets, then takes it. Waiters are not
   * queued in order: each wakes when its estimate says the budget has refilled, and checks again.
   */
  async take(tokens: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const ms = this.delayMs(tokens);
      if (ms <= 0) break;
      const started = Date.now();
      await sleep(ms, signal);
      this.waitedMs += Date.now() - started;
    }
    this.#requests.take(1);
    this.#tokens.take(tokens);
  }

  /**
   * A tokens-per-minute limit is known (configured or announced): only then is a request's
   * token count worth estimating, which reads every text.
   */
  get countsTokens(): boolean {
    return this.#tokens.limited;
  }

  /** How long a request of `tokens` would wait for the budget now (0: it may go). */
  delayMs(tokens = 0): number {
    return Math.max(this.#requests.waitFor(1), this.#tokens.waitFor(tokens));
  }

  /** Reads the API's rate-limit headers from a response (any response: a 429's say most). */
  observe(headers: { get(name: string): string | null }): void {
    for (const [bucket, kind] of [
      [this.#requests, 'requests'],
      [this.#tokens, 'tokens'],
    ] as const) {
      const limit = numberOf(headers.get(`x-ratelimit-limit-${kind}`));
      const remaining = numberOf(headers.get(`x-ratelimit-remaining-${kind}`));
      const reset = durationMs(headers.get(`x-ratelimit-reset-${kind}`));
      if (limit !== null || remaining !== null) bucket.observe(limit, remaining, reset);
    }
  }
}

function numberOf(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * A reset time as the APIs send it: OpenAI's durations ("1s", "6m0s", "120ms", "1h2m3.5s"), or
 * plain seconds ("20"). null when unreadable.
 */
export function durationMs(value: string | null): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v) return null;
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0));
}
