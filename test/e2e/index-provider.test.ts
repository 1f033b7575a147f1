import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { sha256Hex } from '../../src/chunking/chunk.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, onlyJson, PROJECT_ROOT, runCli, spawnCli } from './cli-harness.js';

// A small real corpus: undici's handlers and interceptors (about 30 files).
const CORPUS = ['handler', 'interceptor'].map((d) => path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib', d));
const KEY = 'pa-test-key-never-printed-42';

let work: string;
let server: ProviderServer;
beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'cw-e2e-provider-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
});

let repoCount = 0;
async function makeRepo(config: Record<string, unknown>): Promise<string> {
  const repo = path.join(work, `repo${repoCount++}`);
  for (const dir of CORPUS) await cp(dir, path.join(repo, 'lib', path.basename(dir)), { recursive: true });
  await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify(config));
  return repo;
}

function voyageConfig(extra: Record<string, unknown> = {}) {
  return {
    embedding: { provider: 'voyage', base_url: server.baseUrl, batch_size: 16, concurrency: 4, ...extra },
    http_pool: { providers: { voyage: { max_connections: 4 } } },
  };
}

const env = (extra: Record<string, string> = {}) => cleanEnv({ VOYAGE_API_KEY: KEY, ...extra });
const dbOf = (dir: string) => path.join(dir, '.codeweaver', 'index.sqlite');

describe('cw index against a loopback Voyage server', () => {
  it('completes: every chunk has a vector, and the summary counts match what the server saw', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig());
    const res = await runCli(['index', repo, '--json'], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    const summary = onlyJson(res);
    expect(summary).toMatchObject({ provider: 'voyage', model: 'voyage-code-3', search_mode: 'hybrid', interrupted: false });
    const snap = snapshotEmbeddedIndex(dbOf(repo));
    expect(snap.chunks.length).toBe(summary.chunks.written);
    expect(snap.vectors).toBe(snap.chunks.length);
    expect(snap.bitRows).toBe(snap.vectors); // the sqlite-vec bits, one per vector
    expect(summary.chunks.embedded).toBeGreaterThan(0);

    // Every request the server saw is in the summary, and no more; connections stay within the pool.
    expect(summary.http.voyage.requests).toBe(server.requests.length);
    expect(summary.providers.voyage.requests).toBe(server.requests.length);
    expect(summary.http.voyage.connections_opened).toBe(server.connections);
    expect(server.connections).toBeLessThanOrEqual(4);
    for (const req of server.requests) {
      expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(req.body).toMatchObject({ model: 'voyage-code-3', input_type: 'document' });
      expect(req.body.input.length).toBeLessThanOrEqual(16);
    }
    const sent = server.requests.reduce((n, r) => n + r.body.input.length, 0);
    expect(sent).toBe(summary.chunks.embedded);
    expect(res.stdout + res.stderr).not.toContain(KEY);

    // Hybrid search embeds the query as a query.
    const before = server.requests.length;
    const found = await runCli(['search', 'retry after header', '--path', repo, '--json'], { env: env() });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyJson(found).search_mode).toBe('hybrid');
    expect(onlyJson(found).results.length).toBeGreaterThan(0);
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)!.body).toMatchObject({ input: ['retry after header'], input_type: 'query' });

    // A rerun with no change makes no request at all.
    const again = onlyJson(await runCli(['index', repo, '--json'], { env: env() }));
    expect(again.chunks.embedded).toBe(0);
    expect(server.requests.length).toBe(before + 1);
  });

  it('a refused key stops the run at once: one line naming the variable, exit 2, nothing recorded', async () => {
    server = await startVoyageServer();
    server.respond = () => ({ status: 401, json: { detail: 'Provided API key is invalid.' } });
    const repo = await makeRepo(voyageConfig());
    const res = await runCli(['index', repo], { env: env() });
    expect(res.code).toBe(2);
    const errors = res.stderr.split('\n').filter((l) => l.includes('error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/voyage: .*401.*VOYAGE_API_KEY/);
    expect(server.requests.length).toBeLessThanOrEqual(4); // the batches already in flight, not retries
    expect(res.stdout + res.stderr).not.toContain(KEY);
  });

  it('a missing key is a one-line usage error before any request', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig());
    const res = await runCli(['index', repo], { env: cleanEnv() });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toMatch(/^cw: error: voyage: no API key — set VOYAGE_API_KEY/);
    expect(server.requests.length).toBe(0);
  });

  it('--dry-run estimates tokens and cost without an API key and without a request', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig());
    const res = await runCli(['index', repo, '--dry-run', '--json'], { env: cleanEnv() });
    expect(res.code, res.stderr).toBe(0);
    const summary = onlyJson(res);
    expect(summary).toMatchObject({ dry_run: true, provider: 'voyage', model: 'voyage-code-3', files: { failed: 0 } });
    expect(summary.chunks.embedded).toBeGreaterThan(0); // would be embedded
    expect(summary.tokens).toBeGreaterThan(0);
    expect(summary.estimated_cost_usd).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(0);
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(repo, '.codeweaver'))).toBe(false);
  });

  it('--dry-run with a model name no catalogue lists: a warning naming the known ones, and the cost stated as unknown', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig({ model: 'voyage-cod-3', dimensions: 1024 }));
    const res = await runCli(['index', repo, '--dry-run'], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/warning: voyage\/voyage-cod-3: not a voyage model codeweaver knows \(.*voyage-code-3.*\) — check embedding\.model/);
    expect(res.stdout).toContain('estimated cost: unknown (no price known for voyage/voyage-cod-3)');
    const known = await runCli(['index', await makeRepo(voyageConfig()), '--dry-run'], { env: env() });
    expect(known.stderr).not.toContain('codeweaver knows');
    expect(known.stdout).toMatch(/estimated cost: \$\d/);
    expect(server.requests).toHaveLength(0);
  });

  it('off a TTY, progress lines have a percentage while the walk is still going (the files in scope are counted beside the run)', async () => {
    // A slow provider holds the walk back (the pipeline admits files as batches complete), so
    // the walk alone could not know the total until near the end.
    server = await startVoyageServer({ latencyMs: 20 });
    const repo = path.join(work, `repo${repoCount++}`);
    await cp(path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib'), path.join(repo, 'lib'), { recursive: true });
    await writeFile(path.join(repo, 'codeweaver.config.json'), JSON.stringify(voyageConfig({ batch_size: 4, concurrency: 1 })));
    const res = await runCli(['index', repo], { env: env({ CODEWEAVER_PROGRESS_SECONDS: '0.05' }) });
    expect(res.code, res.stderr).toBe(0);
    const early = res.stderr
      .split('\n')
      .map((l) => /\] (\d+)% · ([\d,]+)\/([\d,]+) files/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[2]!.replace(/,/g, '')) * 2 <= Number(m[3]!.replace(/,/g, '')));
    expect(early.length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses to change the model of an existing index unless --full, which rebuilds it', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig());
    expect((await runCli(['index', repo, '--provider', 'local'], { env: env() })).code).toBe(0);
    const refused = await runCli(['index', repo], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/built with local\/bm25.*voyage\/voyage-code-3.*--full/);
    // A dry run says no to what the run says no to: the same line, the same exit code.
    const dry = await runCli(['index', repo, '--dry-run'], { env: env() });
    expect(dry.code).toBe(2);
    expect(dry.stderr).toBe(refused.stderr);
    expect((await runCli(['index', repo, '--dry-run', '--full'], { env: env() })).code).toBe(0);
    expect(server.requests.length).toBe(0);
    const rebuilt = await runCli(['index', repo, '--full', '--json'], { env: env() });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const snap = snapshotEmbeddedIndex(dbOf(repo));
    expect(snap.vectors).toBe(snap.chunks.length);
    expect(snap.bitRows).toBe(snap.vectors); // the sqlite-vec bits, one per vector
  });
});

describe('Ctrl-C during a run', () => {
  /** Holds request number `n` until released; resolves `reached` when it arrives. */
  function holdRequest(n: number) {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    const releaseP = new Promise<void>((r) => (release = r));
    server.respond = async (req, count) => {
      if (count === n) {
        reached();
        await releaseP;
      }
      return server.ok(req);
    };
    return { reached: reachedP, release };
  }

  // With the writes on the index's own thread as well: Ctrl-C must wait for what it committed.
  it.each(['off', 'on'])('first SIGINT (CODEWEAVER_WRITE_THREAD=%s): in-flight batches finish and are written, exit 130; the next run completes to the same index as a clean one', async (thread) => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig({ concurrency: 2, batch_size: 8 }));
    const hold = holdRequest(3);
    const cli = spawnCli(['index', repo, '--json'], { env: env({ CODEWEAVER_WRITE_THREAD: thread }) });
    await hold.reached;
    cli.child.kill('SIGINT');
    // The warning says the run is finishing its batches; then the held request completes.
    await waitFor(() => /finishing the batches in flight/.test(cli.stderr()));
    hold.release();
    const res = await cli.done;
    expect(res.code).toBe(130);
    const summary = onlyJson(res);
    expect(summary.interrupted).toBe(true);
    expect(summary.files.indexed).toBeGreaterThan(0);
    expect(summary.store_requests.thread_transactions > 0).toBe(thread === 'on');
    const partial = snapshotEmbeddedIndex(dbOf(repo));
    // Recorded files are complete: every chunk of a recorded file is present with its vector.
    expect(partial.vectors).toBe(partial.chunks.length);
    expect(partial.bitRows).toBe(partial.vectors); // an interrupted run leaves the bits in step
    // No embedding work is thrown away: every text the provider embedded is in the store.
    const sent = voyageTexts(server);
    expect(sent.length).toBe(summary.chunks.embedded);
    const stored = new Set(partial.chunks.map((c) => c.split(':').at(-1)));
    expect(sent.filter((t) => !stored.has(sha256Hex(t)))).toEqual([]);
    expect(Object.keys(partial.files).length).toBe(summary.files.indexed);
    await server.whenAllClosed();

    const rest = await runCli(['index', repo, '--json'], { env: env() });
    expect(rest.code, rest.stderr).toBe(0);
    expect(onlyJson(rest).files.unchanged).toBe(summary.files.indexed);

    const clean = await makeRepo(voyageConfig({ concurrency: 2, batch_size: 8 }));
    expect((await runCli(['index', clean, '--json'], { env: env() })).code).toBe(0);
    const a = snapshotEmbeddedIndex(dbOf(repo));
    const b = snapshotEmbeddedIndex(dbOf(clean));
    expect(a.files).toEqual(b.files);
    expect(a.chunks).toEqual(b.chunks);
    expect(new Set(a.ids).size).toBe(a.ids.length);
  });

  it('a request that never finishes is cut at the end of the grace period: exit 130, connections closed', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig({ concurrency: 2, batch_size: 8 }));
    const hold = holdRequest(2);
    const cli = spawnCli(['index', repo], { env: env({ CODEWEAVER_GRACE_SECONDS: '1' }) });
    await hold.reached;
    // The request is held for ever and no second signal comes: only the grace period's end stops it.
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toMatch(/finishing the batches in flight[\s\S]*stopping now: requests in flight are cancelled/);
    await server.whenAllClosed();
    expect(server.openConnections).toBe(0);
    hold.release();
  });

  it('a second cw index on the same index is refused at once while the first runs; a stale lock is taken over', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig({ concurrency: 2, batch_size: 8 }));
    const hold = holdRequest(2);
    const first = spawnCli(['index', repo, '--json'], { env: env() });
    await hold.reached;
    const second = await runCli(['index', repo], { env: env() });
    expect(second.code).toBe(2);
    expect(second.stderr.trim()).toMatch(new RegExp(`^cw: error: another cw index \\(pid ${first.child.pid}\\) is writing .*index\\.sqlite — wait for it to finish, or stop it$`));
    hold.release();
    expect((await first.done).code).toBe(0);

    // A lock left behind by a process that no longer exists does not block the next run.
    const gone = spawnCli(['--version']);
    await gone.done;
    await writeFile(`${dbOf(repo)}.lock`, String(gone.child.pid));
    await writeFile(path.join(repo, 'lib', 'new.js'), 'function fresh () {}\n');
    const next = await runCli(['index', repo, '--json'], { env: env() });
    expect(next.code, next.stderr).toBe(0);
    expect(onlyJson(next).files.indexed).toBe(1);
  });

  it('SIGTERM is handled like SIGINT: the run finishes what it admitted and exits 130', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig({ concurrency: 2, batch_size: 8 }));
    const hold = holdRequest(2);
    const cli = spawnCli(['index', repo, '--json'], { env: env() });
    await hold.reached;
    cli.child.kill('SIGTERM');
    await waitFor(() => /SIGTERM: finishing the batches in flight/.test(cli.stderr()));
    hold.release();
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(onlyJson(res)).toMatchObject({ interrupted: true });
  });

  it('a second SIGINT stops at once', async () => {
    server = await startVoyageServer();
    const repo = await makeRepo(voyageConfig({ concurrency: 2, batch_size: 8 }));
    const hold = holdRequest(2);
    // An hour's grace and a request held for ever: only the second signal can end this run.
    const cli = spawnCli(['index', repo], { env: env({ CODEWEAVER_GRACE_SECONDS: '3600' }) });
    await hold.reached;
    cli.child.kill('SIGINT');
    await waitFor(() => /finishing the batches in flight/.test(cli.stderr()));
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('stopping now');
    expect(res.stderr).not.toMatch(/could not close|client is destroyed/i); // the stop the user asked for is no failure
    await server.whenAllClosed();
    hold.release();
  });
});

function voyageTexts(s: ProviderServer): string[] {
  return s.requests.filter((r) => r.body?.input_type === 'document').flatMap((r) => r.body.input as string[]);
}

/** Polls a condition on output the child has already produced (no fixed sleeps). */
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
