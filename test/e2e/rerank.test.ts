/**
 * Reranking through the real CLI and `cw mcp`, against loopback rerank APIs in each provider's
 * wire format: the order applied, filters respected, every failure falling back to the
 * first-stage order with the reason, a refused key, one connection for a server's searches.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAVOURITE_MARK, startRerankServer, type RerankProvider, type RerankServer } from '../doubles/rerank/servers.js';
import { CORPORA, makeRepo, workDir } from '../reliability/harness.js';
import { assertBuilt, cleanEnv, CLI, onlyJson, runCli } from './cli-harness.js';

const KEY = 'rk-e2e-key-never-printed-5501';
let work: Awaited<ReturnType<typeof workDir>>;
let server: RerankServer | null = null;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('rerank');
});
afterEach(async () => {
  await server?.close();
  server = null;
});
afterAll(() => work.cleanup());

const KEY_ENV: Record<RerankProvider, string> = { voyage: 'VOYAGE_API_KEY', cohere: 'CO_API_KEY', jina: 'JINA_API_KEY' };
const QUERY = 'retry handler';

/** A lexical index whose first stage ranks the favourite low: it names the query's words once, deep in a long file. */
async function indexedRepo(provider: RerankProvider, rerank: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  server = await startRerankServer(provider, { key: KEY });
  const repo = await makeRepo(work.dir, CORPORA.small, { search: { rerank: { provider, base_url: server.baseUrl, ...rerank } }, ...extra });
  const filler = Array.from({ length: 60 }, (_, i) => `const unrelatedValue${i} = ${i};`).join('\n');
  await writeFile(path.join(repo, 'lib', 'favourite.js'), `${filler}\n// ${FAVOURITE_MARK}: the retry handler users mean\nfunction quietHelper() { return 1 }\n`);
  const env = cleanEnv({ [KEY_ENV[provider]]: KEY });
  expect((await runCli(['index', repo], { env })).code).toBe(0);
  return { repo, env };
}

const search = async (repo: string, env: NodeJS.ProcessEnv, ...flags: string[]) => {
  const res = await runCli(['search', QUERY, '--path', repo, '--json', '-n', '10', ...flags], { env });
  expect(res.code, res.stderr).toBe(0);
  return { doc: onlyJson(res), stderr: res.stderr };
};
const pathsOf = (doc: any) => doc.results.map((r: any) => r.path);

describe.each(['voyage', 'cohere', 'jina'] as const)('cw search with a %s reranker', (provider) => {
  it('puts the reranker\'s order first, says so, and sends the query as typed with each hit\'s path and code', async () => {
    const { repo, env } = await indexedRepo(provider);
    const plain = (await search(repo, env, '--no-rerank')).doc;
    expect(plain.reranked).toBe(false);
    expect(plain.rerank).toBeNull();
    expect(server!.reranks()).toHaveLength(0);
    expect(pathsOf(plain)[0]).not.toBe('lib/favourite.js');

    const { doc } = await search(repo, env);
    expect(doc.reranked).toBe(true);
    expect(doc.rerank).toMatchObject({ reranked: true, provider, error: null });
    expect(pathsOf(doc)[0]).toBe('lib/favourite.js');
    expect(doc.results[0].rerank_score).toBeGreaterThan(100);
    expect(doc.results[0].score).toEqual(expect.any(Number)); // the first-stage score stays beside it
    const [sent] = server!.reranks();
    expect(sent!.body.query).toBe(QUERY);
    expect(sent!.body.documents.length).toBe(doc.rerank.candidates);
    expect(sent!.body.documents.length).toBeLessThanOrEqual(50);
    expect(sent!.body.documents.some((d: string) => d.startsWith('lib/favourite.js'))).toBe(true);
  });
});

describe('cw search reranking', () => {
  it('never sends what the filters left out', async () => {
    const { repo, env } = await indexedRepo('voyage');
    const { doc } = await search(repo, env, '--exclude', 'favourite.js', '--lang', 'javascript');
    expect(doc.reranked).toBe(true);
    const sent: string[] = server!.reranks()[0]!.body.documents;
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.some((d) => d.startsWith('lib/favourite.js'))).toBe(false);
  });

  it.each([
    ['down (503 to everything)', () => ({ status: 503, json: { detail: 'overloaded' } }), /gave up after 3 attempts .*503/],
    ['malformed JSON', () => ({ text: '{"data": [' }), /malformed rerank response/],
    ['slow past read_timeout', () => ({ delayMs: 4_000, json: {} }), /timed out|read_timeout/i],
    ['rate-limited past its retry budget (429, Retry-After 120 s)', () => ({ status: 429, headers: { 'retry-after': '120' }, json: { detail: 'rate limited' } }), /429|rate limit/i],
  ] as const)('a reranker %s: the first-stage order, one warning, reranked false with the reason; exit 0', async (_what, reply, why) => {
    const { repo, env } = await indexedRepo('voyage', {}, { http_pool: { providers: { voyage: { read_timeout: 0.3 } } } });
    const plain = (await search(repo, env, '--no-rerank')).doc;
    server!.respond = (req) => (req.url.endsWith('/rerank') ? reply() : server!.ok(req));
    const { doc, stderr } = await search(repo, env);
    expect(doc.reranked).toBe(false);
    expect(doc.rerank.error).toMatch(why);
    expect(pathsOf(doc)).toEqual(pathsOf(plain));
    expect(doc.results.every((r: any) => r.rerank_score === null)).toBe(true);
    const warnings = stderr.split('\n').filter((l) => l.includes('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/results in first-stage order: voyage rerank/);
  }, 60_000);

  it('a refused key: a warning and the first-stage order when configured; exit 2 when asked for with --rerank; the key never shown', async () => {
    const { repo } = await indexedRepo('voyage');
    const env = cleanEnv({ VOYAGE_API_KEY: 'wrong-key-echoed-by-server-9' });
    const configured = await runCli(['search', QUERY, '--path', repo], { env });
    expect(configured.code).toBe(0);
    expect(configured.stderr).toMatch(/warning: results in first-stage order: voyage rerank: API key refused \(HTTP 401\) — check VOYAGE_API_KEY/);
    const asked = await runCli(['search', QUERY, '--path', repo, '--rerank', '--json'], { env });
    expect(asked.code).toBe(2);
    expect(onlyJson(asked).error).toMatchObject({ kind: 'auth', message: expect.stringMatching(/voyage rerank: API key refused/) });
    for (const out of [configured.stdout, configured.stderr, asked.stdout, asked.stderr]) expect(out).not.toContain('wrong-key-echoed-by-server-9');
  });

  it('--rerank without a reranker configured is a usage error naming the key to set', async () => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    const res = await runCli(['search', QUERY, '--path', repo, '--rerank'], { env: cleanEnv() });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('cw: error: --rerank: no reranker configured — set search.rerank.provider (voyage, cohere or jina)');
  });

  it('--verbose gives latency and tokens; cw status and cw config show the reranker', async () => {
    const { repo, env } = await indexedRepo('voyage', { candidates: 20 });
    const verbose = await runCli(['search', QUERY, '--path', repo, '--verbose'], { env });
    expect(verbose.stderr).toMatch(/reranked \d+ candidates with voyage\/rerank-2\.5 in \d+ ms \(\d+ tokens\)/);
    expect(server!.reranks()[0]!.body.documents.length).toBeLessThanOrEqual(20);
    const status = await runCli(['status', repo], { env });
    expect(status.stdout).toContain('rerank: voyage/rerank-2.5, the best 20 first-stage hits of each search');
    const config = onlyJson(await runCli(['config', repo, '--json'], { env }));
    expect(config.config.search.rerank).toMatchObject({ provider: 'voyage', candidates: 20 });
    expect(config.secrets).toMatchObject({ VOYAGE_API_KEY: 'set (redacted)' });
    expect(Object.keys(config.http_clients)).toContain('voyage');
  });
});

describe('cw mcp reranking', () => {
  it('search_code reranks and says so; 20 calls keep one connection to the reranker', async () => {
    const { repo, env } = await indexedRepo('jina');
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', repo], env: env as Record<string, string>, stderr: 'pipe' });
    const client = new Client({ name: 'cw-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      for (let i = 0; i < 20; i++) {
        const res: any = await client.callTool({ name: 'search_code', arguments: { query: `${QUERY} attempt${i}`, limit: 5 } });
        expect(res.isError ?? false).toBe(false);
        expect(res.structuredContent.reranked).toBe(true);
        expect(res.structuredContent.results[0].path).toBe('lib/favourite.js');
        expect(res.structuredContent.results[0].rerank_score).toBeGreaterThan(100);
      }
      expect(server!.reranks()).toHaveLength(20);
      expect(server!.connections).toBe(1);
    } finally {
      await client.close();
    }
  }, 60_000);
});
