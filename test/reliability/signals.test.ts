/**
 * Interrupting a run (SIGINT/SIGTERM, once or twice) always ends the same way: exit 130,
 * exactly one JSON document with `"interrupted": true`, every embedding already received
 * written, and a next run that converges to exactly what a clean run produces.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/chunking/chunk.js';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { assertBuilt, cleanEnv, runCli, spawnCli } from '../e2e/cli-harness.js';
import { CORPORA, makeRepo, onlyOneJson, waitFor, workDir } from './harness.js';

const KEY = 'pa-reliability-key-1234567890';
const env = (extra: Record<string, string> = {}) => cleanEnv({ VOYAGE_API_KEY: KEY, ...extra });
const dbOf = (repo: string) => path.join(repo, '.codeweaver', 'index.sqlite');

let work: Awaited<ReturnType<typeof workDir>>;
let server: ProviderServer | undefined;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('signals');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A lexical corpus big enough that a signal lands mid-walk: undici's lib/ four times. */
async function bigRepo(): Promise<string> {
  const repo = await makeRepo(work.dir, CORPORA.undici);
  for (let i = 1; i < 4; i++) await cp(path.join(repo, 'lib', 'lib'), path.join(repo, 'lib', `copy${i}`), { recursive: true });
  return repo;
}

describe('SIGINT at any moment of a lexical run', () => {
  it('exits 130 with one JSON summary each time, and the next run equals a clean index', async () => {
    const repo = await bigRepo();
    // Interruption points: right after the process starts writing, then later and later.
    for (const afterMs of [0, 80, 250]) {
      const cli = spawnCli(['index', repo, '--json'], { env: cleanEnv() });
      await waitFor(() => /indexing|lexical/.test(cli.stderr()) || cli.child.exitCode !== null, 20_000, 'run started');
      await new Promise((r) => setTimeout(r, afterMs)); // chooses the moment; nothing waits on it
      cli.child.kill('SIGINT');
      const res = await cli.done;
      const summary = onlyOneJson(res.stdout, res.stderr);
      if (res.code === 0) {
        expect(summary.interrupted).toBe(false); // finished before the signal arrived
        continue;
      }
      expect(res.code, res.stderr).toBe(130);
      expect(summary.interrupted).toBe(true);
      expect(res.stderr).not.toMatch(/operation was aborted/i);
      // What the summary says was written is what the index holds.
      const snap = snapshotEmbeddedIndex(dbOf(repo));
      expect(snap.ftsRows).toBe(snap.chunks.length);
    }
    const rest = await runCli(['index', repo, '--json'], { env: cleanEnv() });
    expect(rest.code, rest.stderr).toBe(0);

    const clean = await bigRepo();
    expect((await runCli(['index', clean, '--json'], { env: cleanEnv() })).code).toBe(0);
    const a = snapshotEmbeddedIndex(dbOf(repo));
    const b = snapshotEmbeddedIndex(dbOf(clean));
    expect(a.files).toEqual(b.files);
    expect(a.chunks).toEqual(b.chunks);
    expect(new Set(a.ids).size).toBe(a.ids.length);
  }, 120_000);
});

describe('SIGINT during a dense run', () => {
  it('keeps every embedding received: exit 130, one summary, all embedded texts stored', async () => {
    server = await startVoyageServer({ latencyMs: 20 });
    const config = {
      embedding: { provider: 'voyage', base_url: server.baseUrl, batch_size: 8, concurrency: 4 },
      http_pool: { providers: { voyage: { max_connections: 4 } } },
    };
    for (const afterRequests of [1, 5, 12]) {
      const repo = await makeRepo(work.dir, CORPORA.undici, config);
      const before = server.requests.length;
      const cli = spawnCli(['index', repo, '--json'], { env: env() });
      await waitFor(() => server!.requests.length >= before + afterRequests || cli.child.exitCode !== null, 20_000, 'requests sent');
      cli.child.kill('SIGINT');
      const res = await cli.done;
      const summary = onlyOneJson(res.stdout, res.stderr);
      expect(res.code, res.stderr).toBe(130);
      expect(summary.interrupted).toBe(true);
      const snap = snapshotEmbeddedIndex(dbOf(repo));
      const stored = new Set(snap.chunks.map((c) => c.split(':').at(-1)));
      const sent = server.requests.slice(before).flatMap((r) => r.body.input as string[]);
      expect(sent.length).toBe(summary.chunks.embedded);
      expect(sent.filter((t) => !stored.has(sha256Hex(t)))).toEqual([]);
      expect(Object.keys(snap.files).length).toBe(summary.files.indexed);
    }
  }, 120_000);

  it('a forced stop (second SIGINT) still prints exactly one JSON summary with interrupted: true', async () => {
    server = await startVoyageServer();
    let reached = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    server.respond = async (req, n) => {
      if (n === 3) {
        reached = true;
        await held;
      }
      return server!.ok(req);
    };
    const repo = await makeRepo(work.dir, CORPORA.small, {
      embedding: { provider: 'voyage', base_url: server.baseUrl, batch_size: 8, concurrency: 2 },
    });
    // An hour's grace and a request held for ever: only the second signal can end this run.
    const cli = spawnCli(['index', repo, '--json'], { env: env({ CODEWEAVER_GRACE_SECONDS: '3600' }) });
    await waitFor(() => reached, 20_000, 'request held');
    cli.child.kill('SIGINT');
    await waitFor(() => /finishing the batches in flight/.test(cli.stderr()), 10_000, 'first signal seen');
    cli.child.kill('SIGINT');
    const res = await cli.done;
    release();
    expect(res.code).toBe(130);
    const summary = onlyOneJson(res.stdout, res.stderr);
    expect(summary.interrupted).toBe(true);
    const snap = snapshotEmbeddedIndex(dbOf(repo));
    expect(Object.keys(snap.files).length).toBe(summary.files.indexed);
  }, 60_000);

  it('prints nothing but its own lines on stderr at high concurrency (no MaxListenersExceededWarning)', async () => {
    server = await startVoyageServer({ latencyMs: 5 });
    const repo = await makeRepo(work.dir, CORPORA.undici, {
      embedding: { provider: 'voyage', base_url: server.baseUrl, batch_size: 4, concurrency: 16 },
    });
    const res = await runCli(['index', repo, '--json'], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/Warning|MaxListeners/);
  }, 60_000);
});
