import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../src/http/adaptive-concurrency.js';
import { ConnectTimeoutError, HttpConnectionError, ReadTimeoutError } from '../../src/http/errors.js';
import { RateLimitCooldown } from '../../src/http/rate-limit.js';
import {
  fullJitterDelay,
  HttpStatusError,
  parseRetryAfter,
  RetriesExhaustedError,
  retryVerdict,
  sleep,
  withRetries,
  type RetryPolicy,
} from '../../src/http/retry.js';

const tiny: RetryPolicy = { maxAttempts: 4, maxTotalWaitMs: 5_000, baseDelayMs: 1, maxDelayMs: 4 };
const status = (s: number, retryAfterMs: number | null = null) => new HttpStatusError('p', s, 'x', retryAfterMs);

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds, fractional too', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0.25 ', now)).toBe(250);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });
  it('returns null for absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('fullJitterDelay', () => {
  const policy: RetryPolicy = { maxAttempts: 6, maxTotalWaitMs: 1e6, baseDelayMs: 100, maxDelayMs: 1000 };
  it('is uniform below base·2^retry, capped', () => {
    expect(fullJitterDelay(0, policy, () => 0.999)).toBe(99);
    expect(fullJitterDelay(2, policy, () => 0.5)).toBe(200);
    expect(fullJitterDelay(10, policy, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('retryVerdict', () => {
  it('retries 408, 5xx and transport failures; slows down on 429; stops on auth and client errors', () => {
    expect([408, 500, 502, 503, 504].map((s) => retryVerdict(status(s)))).toEqual(Array(5).fill('retry'));
    expect(retryVerdict(status(429))).toBe('rate-limited');
    expect(retryVerdict(status(401))).toBe('auth');
    expect(retryVerdict(status(403))).toBe('auth');
    expect([400, 404, 422].map((s) => retryVerdict(status(s)))).toEqual(['fatal', 'fatal', 'fatal']);
    expect(retryVerdict(new ConnectTimeoutError('p', 1))).toBe('retry');
    expect(retryVerdict(new ReadTimeoutError('p', 1, 'body'))).toBe('retry');
    expect(retryVerdict(new HttpConnectionError('p', 'reset', 'ECONNRESET'))).toBe('retry');
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(retryVerdict(new TypeError('fetch failed', { cause: reset }))).toBe('retry');
    expect(retryVerdict(Object.assign(new Error('cut'), { retryable: true }))).toBe('retry');
    expect(retryVerdict(new DOMException('aborted', 'AbortError'))).toBe('fatal');
    expect(retryVerdict(new Error('bug'))).toBe('fatal');
  });
});

describe('withRetries', () => {
  it('re-runs the attempt after retryable failures and returns its result', async () => {
    const seen: number[] = [];
    const result = await withRetries(
      async (n) => {
        seen.push(n);
        if (n < 3) throw status(503);
        return 'ok';
      },
      { label: 'p', policy: tiny },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('never retries a 400/401/404/422', async () => {
    for (const s of [400, 401, 403, 404, 422]) {
      let calls = 0;
      await expect(
        withRetries(
          async () => {
            calls++;
            throw status(s);
          },
          { label: 'p', policy: tiny },
        ),
      ).rejects.toMatchObject({ status: s });
      expect(calls).toBe(1);
    }
  });

  it('caps attempts and says so', async () => {
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw status(502);
      },
      { label: 'voyage', policy: tiny },
    ).catch((e) => e);
    expect(calls).toBe(tiny.maxAttempts);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err.message).toMatch(/^voyage: gave up after 4 attempts \(max 4 attempts\): p: HTTP 502/);
  });

  it('gives up at once when Retry-After exceeds the wait budget', async () => {
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw status(429, 600_000);
      },
      { label: 'p', policy: tiny },
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(err.message).toMatch(/server asked to wait 600 s, past the 5\.0 s retry budget/);
  });

  it('waits what Retry-After asks, and reports each retry', async () => {
    const events: Array<{ delayMs: number; verdict: string }> = [];
    const started = performance.now();
    await withRetries(
      async (n) => {
        if (n === 1) throw status(429, 150);
        return null;
      },
      { label: 'p', policy: tiny, onRetry: (e) => events.push(e) },
    );
    const elapsed = performance.now() - started;
    expect(events).toMatchObject([{ delayMs: 150, verdict: 'rate-limited' }]);
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  it('an abort during the backoff sleep rejects at once with the abort reason', async () => {
    const ac = new AbortController();
    // An hour's backoff: a sleep the abort did not end would never end within the test.
    const slow: RetryPolicy = { ...tiny, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, maxTotalWaitMs: 1e8 };
    const p = withRetries(
      async () => {
        queueMicrotask(() => ac.abort(new Error('stop')));
        throw status(503);
      },
      { label: 'p', policy: slow, signal: ac.signal, random: () => 1 },
    );
    await expect(p).rejects.toThrow('stop');
  });
});

describe('sleep', () => {
  it('rejects immediately for an already-aborted signal', async () => {
    await expect(sleep(10_000, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});

describe('RateLimitCooldown', () => {
  it('extends, never shortens, and wait() sleeps through extensions', async () => {
    let t = 1000;
    const c = new RateLimitCooldown(() => t);
    c.extend(500);
    c.extend(100);
    expect(c.remainingMs()).toBe(500);
    t = 1600;
    expect(c.remainingMs()).toBe(0);

    const real = new RateLimitCooldown();
    real.extend(60);
    const started = performance.now();
    const waiting = real.wait();
    real.extend(120);
    await waiting;
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe('AdaptiveConcurrency', () => {
  it('grants up to the limit and queues the rest in order', async () => {
    const c = new AdaptiveConcurrency({ max: 2 });
    const a = await c.acquire();
    const b = await c.acquire();
    const order: string[] = [];
    const third = c.acquire().then((t) => (order.push('third'), t));
    const fourth = c.acquire().then((t) => (order.push('fourth'), t));
    expect(c.inFlight).toBe(2);
    c.release(a, 'other');
    const t3 = await third;
    expect(order).toEqual(['third']);
    c.release(b, 'other');
    c.release(t3, 'other');
    c.release(await fourth, 'other');
    expect(order).toEqual(['third', 'fourth']);
    expect(c.inFlight).toBe(0);
  });

  it('halves once per burst of 429s, and grows back by one per run of successes', async () => {
    const c = new AdaptiveConcurrency({ max: 8, increaseAfter: 2 });
    const burst = await Promise.all(Array.from({ length: 8 }, () => c.acquire()));
    for (const t of burst) c.release(t, 'rate-limited');
    expect(c.limit).toBe(4);
    const next = await c.acquire();
    c.release(next, 'rate-limited');
    expect(c.limit).toBe(2);
    for (let i = 0; i < 2; i++) c.release(await c.acquire(), 'success');
    expect(c.limit).toBe(3);
    for (let i = 0; i < 20; i++) c.release(await c.acquire(), 'success');
    expect(c.limit).toBe(8);
  });

  it('never goes below min', async () => {
    const c = new AdaptiveConcurrency({ max: 4 });
    for (let i = 0; i < 6; i++) c.release(await c.acquire(), 'rate-limited');
    expect(c.limit).toBe(1);
  });

  it('an aborted waiter leaves the queue', async () => {
    const c = new AdaptiveConcurrency({ max: 1 });
    const held = await c.acquire();
    const ac = new AbortController();
    const waiting = c.acquire(ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    c.release(held, 'other');
    expect(c.inFlight).toBe(0);
    const again = await c.acquire();
    expect(c.inFlight).toBe(1);
    c.release(again, 'other');
  });
});
