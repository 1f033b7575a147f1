/**
 * The Qdrant store under the worst interruptions, through the real CLI against the validating
 * double: kill -9 at several points, a file deleted after a write was cut between its chunks
 * and its manifest, an interrupted --full, a Qdrant that stalls, and one that loses its data.
 * After each, the next run converges to exactly the points a clean run produces.
 */
import net from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, spawnCli } from '../e2e/cli-harness.js';
import { expectSameQdrantIndex, qdrantContents } from '../support/qdrant-contents.js';
import { CORPORA, makeRepo, onlyOneJson, waitFor } from './harness.js';
import { qdrantRig } from './qdrant-harness.js';

const rig = qdrantRig('qdrant');

const config = () => ({
  // 256 dimensions: the double validates every upsert against the OpenAPI schema, vector by vector.
  embedding: { provider: 'voyage', base_url: rig.voyage.baseUrl, batch_size: 32, concurrency: 4, dimensions: 256 },
  store: { kind: 'qdrant', upsert_batch_size: 64 },
});
const env = (url = rig.qdrant.url) => cleanEnv({ VOYAGE_API_KEY: 'pa-qdrant-reliability', QDRANT_URL: url });

async function index(repo: string, collection: string, ...flags: string[]) {
  const res = await runCli(['index', repo, '--json', '--collection', collection, ...flags], { env: env() });
  expect(res.code, res.stderr).toBe(0);
  return onlyOneJson(res.stdout, res.stderr);
}

const contents = (collection: string) => qdrantContents(rig.qdrant, collection);
const expectSameIndex = (a: string, b: string) => expectSameQdrantIndex(rig.qdrant, a, b);

/** Upserts of chunk points the double has received so far. */
const chunkUpserts = () =>
  rig.qdrant.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/points') && (r.body as any)?.points?.[0]?.payload?.kind === 'chunk').length;

/** Upserts of recorded manifests (files written whole) the double has received so far. */
const manifestUpserts = () =>
  rig.qdrant.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/points') && typeof (r.body as any)?.points?.[0]?.payload?.file_hash === 'string').length;

describe('kill -9 during a Qdrant run', () => {
  it('at several points, then a rerun: exactly the points of a clean run, no duplicates, no orphans', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    for (const afterUpserts of [1, 4, 9]) {
      const before = chunkUpserts();
      const cli = spawnCli(['index', repo, '--collection', 'killed'], { env: env() });
      await waitFor(() => chunkUpserts() >= before + afterUpserts || cli.child.exitCode !== null, 30_000, 'upserts reached');
      cli.child.kill('SIGKILL');
      await cli.done;
    }
    await index(repo, 'killed');
    const clean = await makeRepo(rig.work.dir, CORPORA.undici, config());
    await index(clean, 'clean');
    expectSameIndex('killed', 'clean');
  }, 120_000);

  it('between a file\'s chunks and its manifest, then the file is deleted: its chunks are gone after the next run', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.small, config());
    let held: string[] | null = null;
    let drop!: () => void;
    const hold = new Promise<void>((_, reject) => (drop = () => reject(new Error('client killed'))));
    // Hold the first upsert of recorded manifests (the batch's intents and chunks are stored),
    // kill cw there, and drop the held request unapplied.
    rig.qdrant.beforeAnswer = async (req) => {
      const points = (req.body as any)?.points as Array<{ payload: any }> | undefined;
      if (!held && req.method === 'PUT' && points?.[0]?.payload?.kind === 'file' && points[0].payload.file_hash !== null) {
        held = points.map((p) => p.payload.path as string);
        await hold;
      }
    };
    const cli = spawnCli(['index', repo, '--collection', 'orphans'], { env: env() });
    await waitFor(() => held !== null, 30_000, 'manifest upsert held');
    cli.child.kill('SIGKILL');
    await cli.done;
    drop(); // the manifest never reached Qdrant: the process died first
    rig.qdrant.beforeAnswer = null;
    const victim = held!.find((p) => p.startsWith('lib/'))!; // not the config file, which is indexed too
    expect([...contents('orphans').values()].some((d) => JSON.parse(d).payload.path === victim && JSON.parse(d).payload.kind === 'chunk')).toBe(true);
    await rm(path.join(repo, victim));

    const rerun = await index(repo, 'orphans');
    expect(rerun.files.deleted).toBeGreaterThanOrEqual(1);
    expect([...contents('orphans').values()].some((d) => JSON.parse(d).payload.path === victim)).toBe(false);
    const clean = await makeRepo(rig.work.dir, CORPORA.small, config());
    await rm(path.join(clean, victim));
    await index(clean, 'orphans-clean');
    expectSameIndex('orphans', 'orphans-clean');
  }, 60_000);
});

describe('an interrupted --full on Qdrant', () => {
  it('leaves the live collection whole and searchable; the next --full resumes the build and switches the alias', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    await index(repo, 'live');
    const before = contents('live');
    const liveCollection = rig.qdrant.aliases().get('live');
    const found = await runCli(['search', 'retry after header', '--path', repo, '--collection', 'live', '--json'], { env: env() });
    expect(found.code, found.stderr).toBe(0);

    const manifests = manifestUpserts();
    const cli = spawnCli(['index', repo, '--collection', 'live', '--full'], { env: env() });
    await waitFor(() => manifestUpserts() >= manifests + 2 || cli.child.exitCode !== null, 30_000, 'rebuild under way');
    cli.child.kill('SIGKILL');
    await cli.done;
    expect(rig.qdrant.aliases().get('live')).toBe(liveCollection);
    expect(contents('live')).toEqual(before);
    const during = await runCli(['search', 'retry after header', '--path', repo, '--collection', 'live', '--json'], { env: env() });
    expect(onlyOneJson(during.stdout).results).toEqual(onlyOneJson(found.stdout).results);
    const builds = [...(await listCollections())].filter((n) => n.startsWith('live.cw-') && n !== liveCollection);
    expect(builds).toHaveLength(1);

    const embeddedBefore = rig.voyage.requests.length;
    const finished = await index(repo, 'live', '--full');
    expect(finished.rebuilt).toBe(true);
    expect(finished.files.unchanged).toBeGreaterThan(0); // resumed: files of the interrupted build kept
    expect(rig.voyage.requests.length).toBeGreaterThan(embeddedBefore);
    expect(rig.qdrant.aliases().get('live')).toBe(builds[0]);
    expect(await listCollections()).not.toContain(liveCollection);
    const clean = await makeRepo(rig.work.dir, CORPORA.undici, config());
    await index(clean, 'fresh');
    expectSameIndex('live', 'fresh');
  }, 120_000);
});

async function listCollections(): Promise<string[]> {
  const res = await fetch(`${rig.qdrant.url}/collections`);
  const body = (await res.json()) as { result: { collections: Array<{ name: string }> } };
  return body.result.collections.map((c) => c.name);
}

describe('a Qdrant that does not answer', () => {
  it('stalled (accepts connections, never answers): one line naming the URL and the setting, within the deadline', async () => {
    const sockets: net.Socket[] = [];
    const stalled = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stalled.address() as net.AddressInfo).port}`;
    try {
      const repo = await makeRepo(rig.work.dir, CORPORA.small, { ...config(), http_pool: { providers: { qdrant: { read_timeout: 2 } } } });
      // The server never answers: ending at all is the read timeout's doing.
      const res = await runCli(['index', repo, '--json'], { env: env(url) });
      expect(res.code).toBe(1);
      const errors = res.stderr.split('\n').filter((l) => l.startsWith('cw: error:'));
      expect(errors).toEqual([`cw: error: qdrant: no answer from ${url} within 2 s (get aliases) — check the server, or raise http_pool.providers.qdrant.read_timeout`]);
      expect(onlyOneJson(res.stdout).error.exit_code).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => stalled.close(() => r()));
    }
  }, 30_000);

  it('restarted without its data mid-run: one line saying the collection is gone and what to do', async () => {
    const repo = await makeRepo(rig.work.dir, CORPORA.undici, config());
    let wiped = false;
    rig.qdrant.beforeAnswer = (req) => {
      if (!wiped && req.method === 'PUT' && (req.body as any)?.points?.[0]?.payload?.kind === 'chunk') {
        wiped = true;
        rig.qdrant.wipe();
      }
    };
    const res = await runCli(['index', repo, '--collection', 'wiped'], { env: env() });
    rig.qdrant.beforeAnswer = null;
    expect(res.code).toBe(1);
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('cw: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/qdrant: collection "wiped" no longer exists at http:\/\/127\.0\.0\.1:\d+ .*rerun cw index to rebuild it/);
    expect((await runCli(['index', repo, '--collection', 'wiped'], { env: env() })).code).toBe(0);
  }, 60_000);
});
