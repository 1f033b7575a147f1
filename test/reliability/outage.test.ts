/**
 * A provider that is down, or answers in a shape that can never fit, ends the run promptly
 * with one line — not with every batch paying its full retry budget.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { assertBuilt, cleanEnv, runCli } from '../e2e/cli-harness.js';
import { snapshotEmbeddedIndex } from '../support/index-snapshot.js';
import { closedPort } from '../support/ports.js';
import { CORPORA, makeRepo, onlyOneJson, workDir } from './harness.js';

const env = cleanEnv({ VOYAGE_API_KEY: 'pa-outage-key-0000' });
let work: Awaited<ReturnType<typeof workDir>>;
let server: ProviderServer | undefined;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('outage');
});
afterAll(() => work.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const voyage = (baseUrl: string) => ({ embedding: { provider: 'voyage', base_url: baseUrl, batch_size: 4, concurrency: 3 } });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('cw: error:'));
const warningLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('warning:'));

describe('a provider that is down', () => {
  it('unreachable: stops after a few batches with one line naming provider, URL and error; exit 1; nothing recorded', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const repo = await makeRepo(work.dir, CORPORA.undici, voyage(baseUrl));
    const res = await runCli(['index', repo, '--json'], { env });
    expect(res.code, res.stderr).toBe(1);
    const summary = onlyOneJson(res.stdout, res.stderr);
    expect(summary.aborted).toMatch(new RegExp(`voyage at ${baseUrl.replace(/[.]/g, '\\.')} is not answering`));
    expect(summary.aborted).toMatch(/connection refused|ECONNREFUSED|cannot connect/i);
    expect(errorLines(res.stderr)).toHaveLength(1);
    expect(errorLines(res.stderr)[0]).toContain(summary.aborted);
    expect(warningLines(res.stderr).length).toBeLessThanOrEqual(2); // one per failed batch before the stop
    expect(summary.files.indexed).toBe(0);
    expect(Object.keys(snapshotEmbeddedIndex(path.join(repo, '.codeweaver', 'index.sqlite')).files)).toEqual([]);
  }, 90_000);

  it('answering 503 to everything: the same stop, and far fewer requests than batches × attempts', async () => {
    server = await startVoyageServer();
    server.respond = () => ({ status: 503, json: { detail: 'upstream unavailable' } });
    const repo = await makeRepo(work.dir, CORPORA.undici, voyage(server.baseUrl));
    const res = await runCli(['index', repo, '--json'], { env });
    expect(res.code, res.stderr).toBe(1);
    const summary = onlyOneJson(res.stdout, res.stderr);
    expect(summary.aborted).toMatch(/voyage at .* is not answering: 3 batches in a row failed .*503/);
    // The three failed batches' 6 attempts each, plus the attempts of the (at most 2) batches
    // that started as slots freed and were cancelled at the stop; the corpus has ~150 batches.
    expect(server.requests.length).toBeLessThanOrEqual(5 * 6);
    expect(errorLines(res.stderr)).toHaveLength(1);
  }, 90_000);
});

describe('vectors of the wrong size', () => {
  it('are a configuration error at the first batch: exit 2, one line with the fix, no per-file failures', async () => {
    server = await startVoyageServer({ dims: 512 });
    // Voyage answers with the size it was asked for; this server ignores the request and sends 512.
    const ok = server.ok.bind(server);
    server.respond = (req) => ok({ ...req, body: { ...req.body, output_dimension: 512 } });
    const repo = await makeRepo(work.dir, CORPORA.undici, voyage(server.baseUrl));
    const res = await runCli(['index', repo], { env });
    expect(res.code, res.stderr).toBe(2);
    expect(errorLines(res.stderr)).toEqual([
      expect.stringMatching(/voyage: the model returned 512-dimension vectors, expected 1024 — set embedding.dimensions to 512/),
    ]);
    expect(warningLines(res.stderr)).toEqual([]);
    expect(server.requests.length).toBeLessThanOrEqual(3); // the batches already in flight
  }, 60_000);
});
