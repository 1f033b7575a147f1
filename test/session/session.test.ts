import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { AuthError } from '../../src/errors.js';
import { Session } from '../../src/session/session.js';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { PROJECT_ROOT } from '../e2e/cli-harness.js';

const CORPUS = path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib', 'handler');

let dir: string;
let server: ProviderServer;
let session: Session | null = null;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-session-'));
  await cp(CORPUS, path.join(dir, 'lib'), { recursive: true });
  server = await startVoyageServer({ dims: 256 });
  await writeFile(
    path.join(dir, 'codeweaver.config.json'),
    JSON.stringify({ embedding: { provider: 'voyage', base_url: server.baseUrl, batch_size: 8, concurrency: 2, dimensions: 256 } }),
  );
});
afterEach(async () => {
  await session?.close();
  session = null;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<Session> {
  const env = { VOYAGE_API_KEY: 'pa-session-test-key' };
  const loaded = await loadConfig({ searchFrom: dir, env });
  session = new Session({ root: dir, loaded, env });
  return session;
}

describe('Session', () => {
  it('runs many indexes in one process, each reporting its own figures, and searches between them', async () => {
    const s = await open();
    const first = await s.index();
    const afterFirst = server.requests.length;
    expect(first.files.indexed).toBeGreaterThan(0);
    expect(first.http.voyage!.requests).toBe(afterFirst);
    expect(first.providers.voyage!.requests).toBe(afterFirst);

    const found = await s.search({ query: 'retry handler', limit: 3 });
    expect(found.searchMode).toBe('hybrid');
    expect(found.hits.length).toBeGreaterThan(0);
    const afterSearch = server.requests.length; // the query was embedded

    await appendFile(path.join(dir, 'lib', 'retry-handler.js'), '\nfunction addedLater () { return 42 }\n');
    const second = await s.index();
    const secondRequests = server.requests.length - afterSearch;
    expect(second.files).toMatchObject({ indexed: 1, unchanged: first.files.indexed - 1 });
    expect(secondRequests).toBeGreaterThan(0);
    expect(second.http.voyage!.requests).toBe(secondRequests);
    expect(second.providers.voyage!.requests).toBe(secondRequests);
    expect(second.store_requests.transactions).toBeLessThan(first.store_requests.transactions! + 1);

    const third = await s.index();
    expect(third.files.indexed).toBe(0);
    expect(third.http.voyage).toBeUndefined(); // no request this run
  });

  it('a refused key fails that run, not the session: the next run with a working key succeeds', async () => {
    const s = await open();
    server.respond = () => ({ status: 401, json: { detail: 'Provided API key is invalid.' } });
    await expect(s.index()).rejects.toThrow(AuthError);
    server.respond = (req) => server.ok(req);
    const next = await s.index();
    expect(next.files.failed).toBe(0);
    expect(next.files.indexed).toBeGreaterThan(0);
  });

  it('releases the write lock between runs: another writer can open the index while the session lives', async () => {
    const s = await open();
    await s.index();
    const other = await loadConfig({ searchFrom: dir, env: { VOYAGE_API_KEY: 'k' } });
    const second = new Session({ root: dir, loaded: other, env: { VOYAGE_API_KEY: 'pa-session-test-key' } });
    try {
      const summary = await second.index();
      expect(summary.files.unchanged).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it('close() ends the session: connections closed, later calls refused', async () => {
    const s = await open();
    await s.index();
    await s.close();
    await server.whenAllClosed();
    expect(server.openConnections).toBe(0);
    await expect(s.search({ query: 'retry', limit: 3 })).rejects.toThrow();
    await s.close(); // idempotent
    session = null;
  });

  it('precount: an early total of the files in scope reaches the progress before the walk ends', async () => {
    const s = await open();
    const seen: Array<{ expected: number | null; found: number; done: boolean }> = [];
    const summary = await s.index({ precount: true, onProgress: (p) => seen.push({ expected: p.expectedTotal, found: p.filesTotal, done: p.discoveryDone }) });
    const withTotal = seen.filter((p) => p.expected !== null);
    expect(withTotal.length).toBeGreaterThan(0);
    expect(withTotal.at(-1)!.expected).toBe(summary.files.scanned);
    const plain = await s.index({ onProgress: (p) => seen.push({ expected: p.expectedTotal, found: p.filesTotal, done: p.discoveryDone }) });
    expect(plain.files.unchanged).toBe(summary.files.scanned);
  });

  it('runs asked for together go one after another: the second finds the first one\'s work done', async () => {
    const s = await open();
    const [first, second] = await Promise.all([s.index(), s.index()]);
    expect(first.files.indexed).toBeGreaterThan(0);
    expect(second.files).toMatchObject({ indexed: 0, unchanged: first.files.indexed });
  });

  it('searches and status answer while a run writes, from what is committed; activity() shows the run', async () => {
    const s = await open();
    const first = await s.index();
    await appendFile(path.join(dir, 'lib', 'retry-handler.js'), '\nfunction addedDuringRun () { return 42 }\n');
    const gate = holdDocuments();
    const run = s.index();
    await until(() => gate.held > 0);
    expect(s.activity()).toMatchObject({ running: true });
    expect(s.activity().startedAt).toBeInstanceOf(Date);
    const found = await s.search({ query: 'retry handler', limit: 3 });
    expect(found.hits.length).toBeGreaterThan(0);
    expect((await s.status())!.files).toBe(first.files.indexed);
    gate.release();
    expect((await run).files.indexed).toBe(1);
    expect(s.activity()).toMatchObject({ running: false, progress: null });
  });

  it('close() during a run stops it as a first Ctrl-C would: the run ends interrupted, and a new session converges', async () => {
    const s = await open();
    const gate = holdDocuments();
    const run = s.index();
    await until(() => gate.held > 0);
    const closed = s.close();
    gate.release();
    const summary = await run;
    await closed;
    session = null;
    expect(summary.interrupted).toBe(true);
    const again = await (await open()).index();
    expect(again.files.failed).toBe(0);
    const clean = await (await openFresh()).index({ dryRun: true });
    expect(clean.files.indexed).toBe(0); // nothing left to do: the rerun converged
  });
});

/** Holds the provider's document requests (queries pass) until release(). */
function holdDocuments(): { readonly held: number; release(): void } {
  let open!: () => void;
  const released = new Promise<void>((r) => (open = r));
  let held = 0;
  server.respond = async (req) => {
    if (req.body?.input_type !== 'query') {
      held++;
      await released;
    }
    return server.ok(req);
  };
  return {
    get held() {
      return held;
    },
    release: () => open(),
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

async function openFresh(): Promise<Session> {
  await session?.close();
  return open();
}
