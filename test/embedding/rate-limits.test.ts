/**
 * Pacing under an account's per-minute limits, through the real embedder against a loopback
 * OpenAI-format server that enforces a tokens-per-minute limit the way the APIs do (a bucket
 * refilled continuously, 429 past it) and, optionally, sends their x-ratelimit headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/chunking/tokens.js';
import { makeEmbedder, type Harness } from './helpers.js';
import { startOpenAIServer, type ProviderServer } from './servers/index.js';

let server: ProviderServer | undefined;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.pool.destroyAll();
  await server?.close();
  server = harness = undefined;
});

/** A tokens-per-minute limit on the server's side: one second's worth of burst, refilled continuously. */
function enforce(s: ProviderServer, perMinute: number, sendHeaders: boolean) {
  const rate = perMinute / 60_000;
  const capacity = perMinute / 60;
  let level = capacity;
  let at = performance.now();
  const figures = { accepted: 0, refused: 0, tokens: 0 };
  s.respond = (req) => {
    const now = performance.now();
    level = Math.min(capacity, level + (now - at) * rate);
    at = now;
    const tokens = (req.body.input as string[]).reduce((n, t) => n + estimateTokens(t), 0);
    const headers = (left: number) =>
      sendHeaders
        ? {
            'x-ratelimit-limit-tokens': String(perMinute),
            'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(left))),
            'x-ratelimit-reset-tokens': `${Math.ceil(Math.max(0, capacity - left) / rate)}ms`,
          }
        : {};
    if (level < Math.min(tokens, capacity)) {
      figures.refused++;
      return { status: 429, headers: { 'retry-after': '1', ...headers(level) }, json: { error: { message: 'Rate limit reached for tokens per min' } } };
    }
    level -= tokens;
    figures.accepted++;
    figures.tokens += tokens;
    const reply = s.ok(req);
    return { ...reply, headers: { ...('headers' in reply ? reply.headers : {}), ...headers(level) } };
  };
  return figures;
}

/** `batches` requests of `perBatch` texts from `callers` concurrent loops; resolves with the wall time. */
async function drive(h: Harness, batches: number, perBatch: number, callers: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let b = next++; b < batches; b = next++) {
        await h.embedder.embed(Array.from({ length: perBatch }, (_, i) => `function handler${b}_${i}(request, response) { return response.send(request.body); }`), 'document');
      }
    }),
  );
  return performance.now() - started;
}

describe('a tokens-per-minute limit', () => {
  // How close to the limit the run goes is bench/rate-limit-bench.mjs's figure: a loaded machine only slows it.
  it('configured (embedding.tokens_per_minute): zero 429s, and never faster than the limit', async () => {
    server = await startOpenAIServer({ dims: 8, latencyMs: 20 });
    const limit = 600_000; // 10,000 tokens a second
    const figures = enforce(server, limit, false);
    harness = makeEmbedder({ provider: 'openai-compatible', base_url: server.baseUrl, model: 'm', dimensions: 8, concurrency: 8, tokens_per_minute: limit });
    const ms = await drive(harness, 60, 16, 8);
    expect(figures.refused).toBe(0);
    expect(harness.embedder.stats().rate_limited).toBe(0);
    // The first half second's worth goes at once; the rest at the limit.
    const ideal = Math.max(0, (figures.tokens - limit / 120) / (limit / 60_000));
    expect(ideal).toBeGreaterThan(1000);
    expect(ms).toBeGreaterThanOrEqual(ideal * 0.9);
    expect(harness.embedder.stats().rate_limit_wait_ms).toBeGreaterThan(0);
  });

  it('not configured, but announced in x-ratelimit headers: learnt from the first answers, 429s only before that', async () => {
    server = await startOpenAIServer({ dims: 8, latencyMs: 20 });
    const figures = enforce(server, 600_000, true);
    harness = makeEmbedder({ provider: 'openai-compatible', base_url: server.baseUrl, model: 'm', dimensions: 8, concurrency: 8 });
    await drive(harness, 60, 16, 8);
    expect(figures.accepted).toBe(60);
    // Only requests sent before any answer told the limit can run into it: at most one per caller.
    expect(figures.refused).toBeLessThanOrEqual(8);
  });
});
