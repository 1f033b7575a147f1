import { describe, expect, it } from 'vitest';
import { durationMs, RateBudget } from '../../src/http/rate-budget.js';

/** A budget on a clock the test moves; `send` takes one request as soon as the budget allows, moving the clock. */
function clocked(options: { requestsPerMinute?: number; tokensPerMinute?: number } = {}) {
  const clock = { t: 1_000_000 };
  const budget = new RateBudget({ ...options, now: () => clock.t });
  const send = async (tokens: number) => {
    clock.t += budget.delayMs(tokens);
    await budget.take(tokens); // resolves at once: the delay has passed
  };
  return { budget, clock, send };
}

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] ?? null });

describe('RateBudget', () => {
  it('without limits, never waits', async () => {
    const { budget, clock, send } = clocked();
    const start = clock.t;
    for (let i = 0; i < 1000; i++) await send(10_000);
    expect(clock.t).toBe(start);
    expect(budget.delayMs()).toBe(0);
  });

  it('paces tokens to the configured per-minute limit, starting with half a second of burst', async () => {
    const { clock, send } = clocked({ tokensPerMinute: 60_000 }); // 1,000 tokens a second, burst 500
    const start = clock.t;
    for (let i = 0; i < 200; i++) await send(500); // 100,000 tokens
    // The first half second's worth goes at once, the rest at 1,000 a second: 99.5 s.
    expect(clock.t - start).toBe(99_500);
  });

  it('lets a request larger than the burst go once the bucket is full, and charges the debt to the next', async () => {
    const { budget, clock, send } = clocked({ tokensPerMinute: 60_000 });
    await send(10_000); // ten seconds' worth, alone (the bucket held 500)
    expect(budget.delayMs()).toBe(9_500);
    const start = clock.t;
    await send(1);
    expect(clock.t - start).toBe(9_501);
  });

  it('paces requests per minute too', async () => {
    const { clock, send } = clocked({ requestsPerMinute: 240 }); // 4 a second, burst 2
    const start = clock.t;
    for (let i = 0; i < 10; i++) await send(1);
    expect(clock.t - start).toBe(2_000);
  });

  it("learns the limit from the API's headers when none is configured, and follows what it says is left", async () => {
    const { budget, clock, send } = clocked();
    budget.observe(headers({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '450', 'x-ratelimit-reset-tokens': '30s' }));
    await send(400);
    // 50 left of what the API allowed: the next 400 waits for 350 tokens at 1,000 a second.
    expect(budget.delayMs(400)).toBe(350);
    // The API says nothing is left until its reset: nothing goes before it.
    budget.observe(headers({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '2s' }));
    const at = clock.t;
    await send(1);
    expect(clock.t - at).toBeGreaterThanOrEqual(2_000);
  });

  it('keeps a configured limit over the one the headers announce', async () => {
    const { budget, clock, send } = clocked({ tokensPerMinute: 6_000 }); // 100 a second, burst 50
    budget.observe(headers({ 'x-ratelimit-limit-tokens': '6000000' }));
    const start = clock.t;
    for (let i = 0; i < 21; i++) await send(50);
    expect(clock.t - start).toBe(10_000);
  });

  it('a waiting take gives up at once when its signal aborts', async () => {
    const budget = new RateBudget({ tokensPerMinute: 60 });
    await budget.take(60);
    const controller = new AbortController();
    const waiting = budget.take(1, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('durationMs', () => {
  it('reads the reset times the APIs send', () => {
    expect(durationMs('1s')).toBe(1000);
    expect(durationMs('6m0s')).toBe(360_000);
    expect(durationMs('120ms')).toBe(120);
    expect(durationMs('1h2m3.5s')).toBe(3_723_500);
    expect(durationMs('20')).toBe(20_000);
    expect(durationMs('soon')).toBeNull();
    expect(durationMs(null)).toBeNull();
  });
});
