import { afterEach, describe, expect, it } from 'vitest';
import { asArrays, f32, KEY, makeEmbedder, type Harness } from './helpers.js';
import { fakeVector, startOpenAIServer, startVoyageServer, type ProviderServer } from './servers/index.js';

let server: ProviderServer | undefined;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.pool.destroyAll();
  await server?.close();
  server = harness = undefined;
});

/** Runs `total` single-text embeds from `callers` concurrent loops (as the pipeline does). */
async function drive(h: Harness, total: number, callers: number): Promise<Float32Array[][]> {
  const results: Float32Array[][] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = next++; i < total; i = next++) results[i] = await h.embedder.embed([`text ${i}`], 'document');
    }),
  );
  return results;
}

describe('every request goes through the shared pool', () => {
  it('500 Voyage requests (through the SDK) open no more than max_connections sockets', async () => {
    server = await startVoyageServer({ protocol: 'https', dims: 256 });
    harness = makeEmbedder(
      { provider: 'voyage', base_url: server.baseUrl, dimensions: 256, concurrency: 16 },
      { env: { VOYAGE_API_KEY: KEY }, httpPool: { providers: { voyage: { max_connections: 4, enable_http2: false } } } },
    );
    const results = await drive(harness, 500, 16);
    expect(server.requests).toHaveLength(500);
    expect(server.connections).toBeGreaterThan(0);
    expect(server.connections).toBeLessThanOrEqual(4);
    expect(server.requests.every((r) => r.httpVersion === '1.1')).toBe(true);
    expect(asArrays(results[499])).toEqual([f32(fakeVector('text 499', 256))]);
    const stats = harness.embedder.stats();
    expect(stats.requests).toBe(500);
    expect(stats.connections_opened).toBe(server.connections);
    expect(stats.bytes_sent).toBeGreaterThan(500 * 20);
    expect(stats.bytes_received).toBeGreaterThan(500 * 256 * 2);
    expect(stats.latency_ms.p95).toBeGreaterThanOrEqual(stats.latency_ms.p50);
    expect(stats.latency_ms.p50).toBeGreaterThan(0);
  });

  // Through each provider's real client (the Voyage SDK, our OpenAI wire): h2, multiplexed on few connections.
  it.each(['openai', 'voyage'] as const)('%s negotiates HTTP/2 with a TLS h2 server, within max_connections', async (provider) => {
    server = provider === 'voyage' ? await startVoyageServer({ protocol: 'h2', dims: 256 }) : await startOpenAIServer({ protocol: 'h2', dims: 256 });
    const env = provider === 'voyage' ? { VOYAGE_API_KEY: KEY } : { OPENAI_API_KEY: KEY };
    harness = makeEmbedder(
      { provider, base_url: server.baseUrl, dimensions: 256, concurrency: 16 },
      { env, httpPool: { providers: { [provider]: { enable_http2: true, max_connections: 4 } } } },
    );
    await drive(harness, 100, 16);
    expect(server.requests).toHaveLength(100);
    expect(server.requests.every((r) => r.httpVersion === '2.0')).toBe(true);
    expect(server.connections).toBeGreaterThan(0);
    expect(server.connections).toBeLessThanOrEqual(4);
  });
});

describe('connections follow the concurrency', () => {
  it('over HTTP/1.1 a provider opens at most `embedding.concurrency` connections, in waves of demand', async () => {
    server = await startOpenAIServer({ protocol: 'https', dims: 8, latencyMs: 5 });
    harness = makeEmbedder({ provider: 'openai-compatible', base_url: server.baseUrl, model: 'm', dimensions: 8, concurrency: 6 });
    // Waves: 6 callers at once, then a pause, as a CPU-bound pipeline hands out batches.
    for (let wave = 0; wave < 8; wave++) await drive(harness, 30, 6);
    expect(server.connections).toBeLessThanOrEqual(6);
    const settings = harness.pool.getClient('openai-compatible').settings;
    expect(settings).toMatchObject({ max_connections: 6, keepalive_expiry: 30 });
  });

  it('an explicit http_pool.max_connections wins over the concurrency', async () => {
    server = await startOpenAIServer({ protocol: 'https', dims: 8 });
    harness = makeEmbedder(
      { provider: 'openai-compatible', base_url: server.baseUrl, model: 'm', dimensions: 8, concurrency: 6 },
      { httpPool: { max_connections: 3, providers: { 'openai-compatible': { keepalive_expiry: 2 } } } },
    );
    await drive(harness, 12, 6);
    expect(harness.pool.getClient('openai-compatible').settings).toMatchObject({ max_connections: 3, keepalive_expiry: 2 });
    expect(server.connections).toBeLessThanOrEqual(3);
  });
});

describe('AIMD: a 429 slows the whole provider, successes speed it back up', () => {
  it('server-side concurrency drops after a burst of 429s and recovers to the configured ceiling', async () => {
    server = await startOpenAIServer({ dims: 8 });
    harness = makeEmbedder(
      { provider: 'openai-compatible', base_url: server.baseUrl, model: 'm', dimensions: 8, concurrency: 8 },
    );
    const s = server;
    let okInFlight = 0;
    let okMax = 0;
    s.respond = async (req, n) => {
      if (n <= 8) return { status: 429, json: { error: { message: 'slow down' } } };
      okInFlight++;
      okMax = Math.max(okMax, okInFlight);
      await new Promise((r) => setTimeout(r, 15)); // server latency, so requests overlap
      okInFlight--;
      return s.ok(req);
    };

    await drive(harness, 16, 16);
    const afterBurst = harness.embedder.concurrencyLimit;
    const burstMax = okMax;
    expect(harness.embedder.stats().rate_limited).toBe(8);
    expect(afterBurst).toBeLessThan(8);
    // One halving (8 → 4) for the whole burst, then +1 per window of successes: never back to 8 in 16 requests.
    expect(burstMax).toBeLessThanOrEqual(6);
    expect(burstMax).toBeGreaterThanOrEqual(4);

    okMax = 0;
    await drive(harness, 150, 16);
    expect(harness.embedder.concurrencyLimit).toBe(8);
    expect(okMax).toBe(8);
  });
});
