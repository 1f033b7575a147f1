/**
 * The rerank clients against loopback servers speaking each provider's wire format, through the
 * real SDKs (Voyage, Cohere) and our own JSON path (Jina-style), over the pool's clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embedding/create.js';
import { AuthError } from '../../src/errors.js';
import { HttpClientPool } from '../../src/http/pool.js';
import { createReranker } from '../../src/rerank/create.js';
import { MalformedRerankError } from '../../src/rerank/reranker.js';
import { FAVOURITE_MARK, rerankScore, startRerankServer, type RerankProvider, type RerankServer } from '../doubles/rerank/servers.js';

const KEY = 'rk-test-key-never-shown-7731';
const FAST = { maxAttempts: 3, maxTotalWaitMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 };
const open: Array<{ close(): Promise<void> } | HttpClientPool> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ('destroyAll' in item ? item.destroyAll() : item.close());
});

async function setup(provider: RerankProvider, options: { key?: string | null; env?: Record<string, string> } = {}) {
  const server = await startRerankServer(provider, { key: options.key === null ? undefined : (options.key ?? KEY) });
  open.push(server);
  const pool = new HttpClientPool({});
  open.push(pool);
  const envName = { voyage: 'VOYAGE_API_KEY', cohere: 'CO_API_KEY', jina: 'JINA_API_KEY' }[provider];
  const env = options.env ?? (options.key === null ? {} : { [envName]: KEY });
  const reranker = createReranker({ provider, base_url: server.baseUrl, candidates: 50 }, { pool, env, retryPolicy: FAST });
  return { server, pool, reranker };
}

const QUERY = 'retry the request after a timeout';
const DOCS = [
  'lib/a.js\nfunction unrelated() { return 1 }',
  `lib/b.js\nfunction quiet() { /* ${FAVOURITE_MARK} */ }`,
  'lib/c.js\nfunction retryRequest(timeout) { return request.retry(timeout) }',
];

describe.each(['voyage', 'cohere', 'jina'] as const)('%s rerank', (provider) => {
  it('answers a score per document in the order sent, from the provider wire format', async () => {
    const { server, reranker } = await setup(provider);
    const outcome = await reranker.rerank(QUERY, DOCS);
    expect(outcome.scores).toEqual(DOCS.map((d) => rerankScore(QUERY, d)));
    const [req] = server.reranks();
    expect(req!.body).toMatchObject({ query: QUERY, documents: DOCS });
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    if (provider !== 'cohere') expect(outcome.tokens).toBeGreaterThan(0);
  });

  it('a refused key is one AuthError naming the variable, never the key the server echoes', async () => {
    const { reranker } = await setup(provider, { env: { VOYAGE_API_KEY: 'wrong-key-1', CO_API_KEY: 'wrong-key-1', JINA_API_KEY: 'wrong-key-1' } });
    const error = await reranker.rerank(QUERY, DOCS).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(new RegExp(`^${provider} rerank: API key refused \\(HTTP 401\\) — check `));
    expect((error as Error).message).not.toContain('wrong-key-1');
    // Later calls report it without another request.
    await expect(reranker.rerank(QUERY, DOCS)).rejects.toBeInstanceOf(AuthError);
  });

  it('an answer that is not the promised JSON is a malformed-response error, after its retries', async () => {
    const { server, reranker } = await setup(provider);
    server.respond = () => ({ text: '{"results": [' });
    const cut = await reranker.rerank(QUERY, DOCS).then(() => null, (e: unknown) => e as { lastError?: unknown; message: string });
    expect(cut?.lastError ?? cut).toBeInstanceOf(MalformedRerankError);
    expect(server.reranks()).toHaveLength(FAST.maxAttempts);
    // Valid JSON whose indexes do not match the documents sent is no better.
    server.respond = () => ({ json: { results: [{ index: 7, relevance_score: 1 }], data: [{ index: 7, relevance_score: 1 }] } });
    await expect(reranker.rerank(QUERY, DOCS)).rejects.toThrow(/malformed rerank response: a result with index 7 for 3 documents/);
  });

  it('reranks in a row reuse their connection', async () => {
    const { server, reranker, pool } = await setup(provider);
    for (let i = 0; i < 20; i++) await reranker.rerank(`${QUERY} ${i}`, DOCS);
    expect(server.reranks()).toHaveLength(20);
    // Back to back with no pause, undici may open a second socket before the first is handed
    // back (measured: 2); never one per request. The MCP test checks a server's calls: 1.
    expect(server.connections).toBeLessThanOrEqual(2);
    expect(pool.stats()[provider]!.reused_requests).toBeGreaterThanOrEqual(18);
  });
});

describe('jina-style servers run by the user', () => {
  it('a self-hosted base_url needs no key: no Authorization header is sent', async () => {
    const { server, reranker } = await setup('jina', { key: null });
    await reranker.rerank(QUERY, DOCS);
    expect(server.reranks()[0]!.headers.authorization).toBeUndefined();
  });

  it('the public API without a key is refused before any request', async () => {
    const pool = new HttpClientPool({});
    open.push(pool);
    expect(() => createReranker({ provider: 'jina', candidates: 50 }, { pool, env: {} })).toThrow(/jina rerank: no API key — set JINA_API_KEY/);
  });
});

describe('one provider, one account', () => {
  it("embedding and rerank calls of a provider share its client and its 429 cool-down", async () => {
    const server = await startRerankServer('voyage', { key: KEY });
    open.push(server);
    const pool = new HttpClientPool({});
    open.push(pool);
    const env = { VOYAGE_API_KEY: KEY };
    const embedder = createEmbedder({ provider: 'voyage', base_url: server.baseUrl, batch_size: 8, concurrency: 2 } as never, { pool, env, retryPolicy: FAST });
    open.push(embedder);
    const reranker = createReranker({ provider: 'voyage', base_url: server.baseUrl, candidates: 50 }, { pool, env, retryPolicy: FAST, concurrency: 2 });
    await embedder.embed(['first text'], 'query');
    await reranker.rerank(QUERY, DOCS);
    expect(pool.stats().voyage!.requests).toBe(2); // one client for both

    // A 429 to the reranker pauses the provider: the embedder's next request waits it out.
    const client = pool.getClient('voyage', undefined, { providerDefaults: true, concurrency: 2 });
    let first = true;
    const pauseLeftWhenEmbedArrived: number[] = [];
    server.respond = (req) => {
      if (req.url.endsWith('/rerank') && first) {
        first = false;
        return { status: 429, headers: { 'retry-after': '1' }, json: { detail: 'rate limited' } };
      }
      if (req.url.endsWith('/embeddings')) pauseLeftWhenEmbedArrived.push(client.cooldown.remainingMs());
      return server.ok(req);
    };
    const reranked = reranker.rerank(QUERY, DOCS);
    await waitFor(() => client.cooldown.remainingMs() > 0); // the rerank's 429 paused the provider
    await Promise.all([reranked, embedder.embed(['second text'], 'query')]);
    // The embedding was sent only once the pause was over: it waited on the same cool-down.
    expect(pauseLeftWhenEmbedArrived).toEqual([0]);
  });
});

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
