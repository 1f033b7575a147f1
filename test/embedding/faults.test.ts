import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/errors.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { MalformedResponseError, VectorCountMismatchError, VectorDimensionError } from '../../src/embedding/errors.js';
import { ReadTimeoutError } from '../../src/http/errors.js';
import { HttpStatusError, RetriesExhaustedError, type RetryEvent } from '../../src/http/retry.js';
import { asArrays, f32, firstRetry, KEY, makeEmbedder, type Harness } from './helpers.js';
import {
  fakeVector,
  startOpenAIServer,
  startVoyageServer,
  type CapturedRequest,
  type ProviderServer,
  type Reply,
} from './servers/index.js';

let server: ProviderServer | undefined;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.pool.destroyAll();
  await server?.close();
  server = harness = undefined;
});

/** Answers request n with script[n-1] (a reply or a function of the request), then normally. */
function script(s: ProviderServer, steps: Array<Reply | ((req: CapturedRequest) => Reply)>): void {
  s.respond = (req, n) => {
    const step = steps[n - 1];
    if (step === undefined) return s.ok(req);
    return typeof step === 'function' ? step(req) : step;
  };
}

async function voyage(onRetry?: (e: RetryEvent) => void): Promise<Harness> {
  server = await startVoyageServer({ dims: 1024 });
  harness = makeEmbedder({ provider: 'voyage', base_url: server.baseUrl }, { env: { VOYAGE_API_KEY: KEY }, onRetry });
  return harness;
}

const texts = ['alpha', 'beta', 'gamma'];
const expected = (xs = texts, dims = 1024) => xs.map((t) => f32(fakeVector(t, dims)));

describe('retries through the Voyage SDK (one layer: ours)', () => {
  it('honours Retry-After in seconds, and counts the 429', async () => {
    const { embedder } = await voyage();
    script(server!, [{ status: 429, headers: { 'retry-after': '1' }, json: { detail: 'rate limited' } }]);
    const started = performance.now();
    expect(asArrays(await embedder.embed(texts, 'document'))).toEqual(expected());
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(server!.requests).toHaveLength(2);
    expect(embedder.stats()).toMatchObject({ requests: 2, retries: 1, rate_limited: 1 });
  });

  it('honours Retry-After in HTTP-date form', async () => {
    const { embedder } = await voyage();
    // HTTP-dates have 1 s resolution: two seconds ahead means a wait between 1 and 2 s.
    script(server!, [() => ({ status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } })]);
    const started = performance.now();
    await embedder.embed(texts, 'document');
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(server!.requests).toHaveLength(2);
  });

  it('a 429 pauses the whole provider: other requests wait for the cool-down too', async () => {
    const retry = firstRetry();
    const { embedder } = await voyage(retry.hook);
    const arrivals: number[] = [];
    server!.respond = (req, n) => {
      arrivals.push(performance.now());
      return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : server!.ok(req);
    };
    const first = embedder.embed(['one'], 'document');
    // The second batch starts after the 429 is known: it must not go out before the pause ends.
    expect((await retry.seen).verdict).toBe('rate-limited');
    const second = embedder.embed(['two'], 'document');
    await Promise.all([first, second]);
    expect(arrivals).toHaveLength(3);
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(900);
    expect(arrivals[2] - arrivals[0]).toBeGreaterThanOrEqual(900);
  });

  it('503 then success', async () => {
    const { embedder } = await voyage();
    script(server!, [{ status: 503, json: { detail: 'overloaded' } }, { status: 502, text: 'bad gateway' }]);
    expect(asArrays(await embedder.embed(texts, 'document'))).toEqual(expected());
    expect(server!.requests).toHaveLength(3);
    expect(embedder.stats()).toMatchObject({ requests: 3, retries: 2, rate_limited: 0 });
  });

  it('connection reset mid-response, then success', async () => {
    const { embedder } = await voyage();
    script(server!, [{ reset: 'mid-body' }]);
    expect(asArrays(await embedder.embed(texts, 'document'))).toEqual(expected());
    expect(server!.requests).toHaveLength(2);
    expect(embedder.stats().retries).toBe(1);
  });

  it('connection closed before any header, then success', async () => {
    const { embedder } = await voyage();
    script(server!, [{ reset: 'before-headers' }, { reset: 'before-headers' }]);
    expect(asArrays(await embedder.embed(texts, 'document'))).toEqual(expected());
    expect(server!.requests).toHaveLength(3);
  });

  it('truncated JSON in a 200 is retried (a cut-short answer), then succeeds', async () => {
    const { embedder } = await voyage();
    script(server!, [{ text: '{"object":"list","data":[{"object":"embedding","embedding":[0.1,' }]);
    expect(asArrays(await embedder.embed(texts, 'document'))).toEqual(expected());
    expect(server!.requests).toHaveLength(2);
  });

  it('truncated JSON every time ends in a clear typed error after the attempt cap', async () => {
    const { embedder } = await voyage();
    server!.respond = () => ({ text: '{"data":[' });
    const err = await embedder.embed(texts, 'document').catch((e) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err.lastError).toBeInstanceOf(MalformedResponseError);
    expect(err.message).toMatch(/^voyage: gave up after 6 attempts .*malformed embedding response/);
    expect(server!.requests).toHaveLength(6);
  });

  it('never retries a 400/404/422', async () => {
    const { embedder } = await voyage();
    for (const status of [400, 404, 422]) {
      const before = server!.requests.length;
      server!.respond = () => ({ status, json: { detail: 'invalid model' } });
      const err = await embedder.embed(texts, 'document').catch((e) => e);
      expect(err).toBeInstanceOf(HttpStatusError);
      expect(err.message).toBe(`voyage: HTTP ${status} — invalid model`);
      expect(server!.requests.length - before).toBe(1);
    }
  });
});

describe('auth failures stop the run at once', () => {
  it('401: one request, one line naming the provider and the env var', async () => {
    const { embedder } = await voyage();
    server!.respond = () => ({ status: 401, json: { detail: 'Provided API key is invalid.' } });
    const err = await embedder.embed(texts, 'document').catch((e) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(exitCodeOf(err)).toBe(2);
    expect(err.message).toBe('voyage: API key refused (HTTP 401) — check VOYAGE_API_KEY (or embedding.api_key_env)');
    expect(server!.requests).toHaveLength(1);
    // Later batches fail at once without another request.
    await expect(embedder.embed(['more'], 'document')).rejects.toBe(err);
    expect(server!.requests).toHaveLength(1);
  });

  it('batches in flight when a 403 arrives fail fast with the same AuthError', async () => {
    server = await startOpenAIServer();
    harness = makeEmbedder({ provider: 'openai', base_url: server.baseUrl, concurrency: 4 }, { env: { OPENAI_API_KEY: KEY } });
    const s = server;
    s.respond = (req, n) => (n === 1 ? { status: 403, delayMs: 100, json: {} } : { ...s.ok(req), delayMs: 5000 });
    // The others would succeed after 5 s: failing fast is their all being the one AuthError.
    const results = await Promise.allSettled([0, 1, 2, 3].map((i) => harness!.embedder.embed([`t${i}`], 'document')));
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : r));
    expect(reasons.every((r) => r instanceof AuthError)).toBe(true);
    expect(new Set(reasons).size).toBe(1);
    expect(s.requests.length).toBe(4);
  });
});

describe('no input silently dropped', () => {
  it('fewer vectors than texts fails the batch, without retrying', async () => {
    const { embedder } = await voyage();
    server!.respond = (req) => {
      const reply = server!.ok(req) as { json: { data: unknown[] } };
      reply.json.data.pop();
      return reply;
    };
    const err = await embedder.embed(texts, 'document').catch((e) => e);
    expect(err).toBeInstanceOf(VectorCountMismatchError);
    expect(err.message).toBe('voyage: sent 3 texts but received 2 vectors; batch failed');
    expect(server!.requests).toHaveLength(1);
  });

  it('a repeated index fails the batch', async () => {
    server = await startOpenAIServer();
    harness = makeEmbedder({ provider: 'openai', base_url: server.baseUrl }, { env: { OPENAI_API_KEY: KEY } });
    const s = server;
    s.respond = (req) => {
      const reply = s.ok(req) as { json: { data: Array<{ index: number }> } };
      reply.json.data[2].index = 0;
      return reply;
    };
    await expect(harness.embedder.embed(texts, 'document')).rejects.toBeInstanceOf(VectorCountMismatchError);
  });

  it('a vector of the wrong size fails the batch', async () => {
    server = await startVoyageServer({ dims: 512 });
    harness = makeEmbedder({ provider: 'voyage', base_url: server.baseUrl }, { env: { VOYAGE_API_KEY: KEY } });
    // The server ignores our size: voyage-code-3 defaults to 1024, the answer has 512.
    await expect(harness.embedder.embed(texts, 'document')).rejects.toBeInstanceOf(VectorDimensionError);
  });
});

describe('"batch too large" splits the batch in half', () => {
  it('a 400 about too many inputs splits recursively and re-joins results in order', async () => {
    server = await startOpenAIServer({ reverse: true });
    harness = makeEmbedder({ provider: 'openai', base_url: server.baseUrl }, { env: { OPENAI_API_KEY: KEY } });
    const s = server;
    s.respond = (req) =>
      req.body.input.length > 2
        ? { status: 400, json: { error: { message: 'Too many inputs: at most 2 per request' } } }
        : s.ok(req);
    const many = ['a', 'b', 'c', 'd', 'e'];
    expect(asArrays(await harness.embedder.embed(many, 'document'))).toEqual(expected(many, 1536));
    expect(s.requests.map((r) => r.body.input.length)).toEqual([5, 3, 2, 1, 2]);
  });

  it('413 splits too; a batch of one that is still too large fails with the server message', async () => {
    const { embedder } = await voyage();
    server!.respond = () => ({ status: 413, text: 'Request Entity Too Large' });
    const err = await embedder.embed(['a', 'b'], 'document').catch((e) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err.status).toBe(413);
    expect(server!.requests.map((r) => r.body.input.length)).toEqual([2, 1]);
  });
});

describe('cancellation', () => {
  it('Ctrl-C during a backoff sleep does not wait it out', async () => {
    server = await startVoyageServer();
    const retry = firstRetry();
    harness = makeEmbedder(
      { provider: 'voyage', base_url: server.baseUrl },
      {
        env: { VOYAGE_API_KEY: KEY },
        // Two hours' backoff: a sleep the abort did not end would never end within the test.
        retryPolicy: { maxAttempts: 6, maxTotalWaitMs: 72_000_000, baseDelayMs: 7_200_000, maxDelayMs: 7_200_000 },
        onRetry: retry.hook,
      },
    );
    server.respond = () => ({ status: 503, json: {} });
    const ac = new AbortController();
    const pending = harness.embedder.embed(texts, 'document', ac.signal);
    expect((await retry.seen).delayMs).toBe(3_600_000);
    ac.abort(new Error('interrupted'));
    await expect(pending).rejects.toThrow('interrupted');
    expect(server.requests).toHaveLength(1);
  });
});

describe('timeouts: the pool decides, not the SDK', () => {
  it('a slow Voyage answer fails with the pool\'s typed ReadTimeoutError (retried), not an SDK abort', async () => {
    server = await startVoyageServer();
    harness = makeEmbedder(
      { provider: 'voyage', base_url: server.baseUrl },
      {
        env: { VOYAGE_API_KEY: KEY },
        httpPool: { providers: { voyage: { read_timeout: 0.3 } } },
        retryPolicy: { maxAttempts: 2, maxTotalWaitMs: 1000, baseDelayMs: 1, maxDelayMs: 1 },
      },
    );
    const s = server;
    s.respond = (req) => ({ ...s.ok(req), delayMs: 1500 });
    const err = await harness.embedder.embed(texts, 'document').catch((e) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err.lastError).toBeInstanceOf(ReadTimeoutError);
    expect(err.message).toMatch(/voyage: no response headers within 0\.3 s \(http_pool\.read_timeout\)/);
    expect(s.requests).toHaveLength(2);
  });
});
