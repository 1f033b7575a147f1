// A long query (a whole issue) in a hybrid index: its head is embedded, within the model's input,
// and its every word still searched lexically.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/chunking/tokens.js';
import { loadConfig } from '../../src/config/load.js';
import { queryWithin } from '../../src/session/query-cut.js';
import { Session } from '../../src/session/session.js';
import { startCohereServer, type ProviderServer } from '../embedding/servers/index.js';

describe('queryWithin', () => {
  it('keeps a query that fits, else whole lines from the top, else the start of its one line', () => {
    expect(queryWithin('retry after header', 512)).toBe('retry after header');
    const issue = ['Title: the pool leaks sockets', 'It happens when the server closes first.', ...Array.from({ length: 300 }, (_, i) => `  at frame${i} (lib/pool.js:${i}:1)`)].join('\n');
    const head = queryWithin(issue, 100);
    expect(estimateTokens(head)).toBeLessThanOrEqual(100);
    expect(issue.startsWith(head)).toBe(true);
    expect(head.split('\n').length).toBeGreaterThan(2);
    const oneLine = 'word '.repeat(1000);
    const cut = queryWithin(oneLine, 50);
    expect(estimateTokens(cut)).toBeLessThanOrEqual(50);
    expect(estimateTokens(oneLine.slice(0, cut.length + 1))).toBeGreaterThan(50);
  });
});

let dir: string;
let server: ProviderServer;
let session: Session | null = null;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-query-within-'));
  server = await startCohereServer({ dims: 1024 });
  await writeFile(path.join(dir, 'pool.js'), 'function releaseSocket(socket) {\n  socket.destroy();\n}\n');
  // embed-english-v3.0 takes 512 tokens of input.
  await writeFile(path.join(dir, 'codeweaver.config.json'), JSON.stringify({ embedding: { provider: 'cohere', model: 'embed-english-v3.0', base_url: server.baseUrl } }));
});
afterEach(async () => {
  await session?.close();
  session = null;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a whole issue as the query of a hybrid index', () => {
  it('embeds its head within the model input and still finds what its last lines name', async () => {
    const env = { CO_API_KEY: 'co-query-within-test-key' };
    session = new Session({ root: dir, loaded: await loadConfig({ searchFrom: dir, env }), env });
    await session.index();
    const before = server.requests.length;
    const issue = ['Sockets leak when the server closes first', ...Array.from({ length: 400 }, (_, i) => `  at frame${i} (node_modules/undici/lib/dispatcher/client.js:${i}:1)`), 'see releaseSocket in pool.js'].join('\n');
    expect(estimateTokens(issue)).toBeGreaterThan(2000);
    const { hits } = await session.search({ query: issue, limit: 3 });
    expect(hits[0]?.path).toBe('pool.js');
    const sent = server.requests.slice(before).map((r) => r.body);
    expect(sent).toHaveLength(1);
    const [text] = sent[0].texts as string[];
    expect(estimateTokens(text!)).toBeLessThanOrEqual(512);
    expect(text!.startsWith('Sockets leak when the server closes first')).toBe(true);
  });
});
