import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { closedPort } from '../support/ports.js';
import { startQdrantDouble, type QdrantDouble } from '../doubles/qdrant/index.js';
import { assertBuilt, cleanEnv, onlyJson, PROJECT_ROOT, runCli, spawnCli } from './cli-harness.js';

const CORPUS = ['handler', 'interceptor'].map((d) => path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib', d));

let work: string;
let qdrant: QdrantDouble;
let voyage: ProviderServer;
beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'cw-e2e-qdrant-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
beforeEach(async () => {
  qdrant = await startQdrantDouble();
  voyage = await startVoyageServer();
});
afterEach(async () => {
  expect(qdrant.violations).toEqual([]);
  await qdrant.close();
  await voyage.close();
});

let n = 0;
async function makeRepo(): Promise<string> {
  const repo = path.join(work, `repo${n++}`);
  for (const dir of CORPUS) await cp(dir, path.join(repo, 'lib', path.basename(dir)), { recursive: true });
  await writeFile(
    path.join(repo, 'codeweaver.config.json'),
    JSON.stringify({
      embedding: { provider: 'voyage', base_url: voyage.baseUrl, batch_size: 16, concurrency: 2 },
      store: { kind: 'qdrant', upsert_batch_size: 64 },
    }),
  );
  return repo;
}

const env = (extra: Record<string, string> = {}) => cleanEnv({ VOYAGE_API_KEY: 'pa-test', QDRANT_URL: qdrant.url, ...extra });

async function index(repo: string, collection: string, ...flags: string[]) {
  const res = await runCli(['index', repo, '--json', '--collection', collection, ...flags], { env: env() });
  expect(res.code, res.stderr).toBe(0);
  return onlyJson(res);
}


/** A collection's points without timestamps, by id: what two equivalent indexes must share. */
function contents(collection: string): Map<string, { doc: string; dense: number[] | null }> {
  const c = qdrant.collection(collection);
  if (!c) throw new Error(`no collection ${collection}`);
  const out = new Map<string, { doc: string; dense: number[] | null }>();
  for (const p of c.points.values()) {
    if (p.payload.kind === 'meta') continue;
    const { indexed_at: _t, ...payload } = p.payload;
    out.set(p.id, { doc: JSON.stringify({ payload, lexical: p.vector.lexical }), dense: p.vector.dense ?? null });
  }
  return out;
}

/**
 * Same ids, payloads and sparse vectors; dense vectors equal within float32 precision (a reused
 * vector went through float32 and Qdrant's cosine normalisation once more than a fresh one).
 */
function expectSameContents(a: string, b: string): void {
  const x = contents(a);
  const y = contents(b);
  expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
  for (const [id, p] of x) {
    const q = y.get(id)!;
    expect(p.doc, id).toBe(q.doc);
    expect(p.dense === null, id).toBe(q.dense === null);
    if (p.dense && q.dense) {
      expect(p.dense.length).toBe(q.dense.length);
      const worst = Math.max(...p.dense.map((v, i) => Math.abs(v - q.dense![i]!)));
      expect(worst, id).toBeLessThan(1e-6);
    }
  }
}

describe('cw index into Qdrant (loopback double validating every request)', () => {
  it('indexes, reruns with zero upserts and zero embedding calls, and matches a fresh index after changes', async () => {
    const repo = await makeRepo();
    const first = await index(repo, 'work');
    expect(first).toMatchObject({ store: 'qdrant', interrupted: false, files: { failed: 0 } });
    expect(first.chunks.written).toBeGreaterThan(0);
    expect(first.store_requests.upsert).toBeGreaterThan(0);
    expect(first.store_location).toContain('collection work');
    expect(existsSync(path.join(repo, '.codeweaver'))).toBe(false); // nothing local for Qdrant

    const embedCalls = voyage.requests.length;
    const upserts = qdrant.counts().upsert ?? 0;
    const again = await index(repo, 'work');
    expect(again.files.unchanged).toBe(again.files.scanned);
    expect(again.chunks).toEqual({ embedded: 0, reused: 0, written: 0, deleted: 0 });
    expect(voyage.requests.length).toBe(embedCalls);
    expect(qdrant.counts().upsert ?? 0).toBe(upserts);

    const lib = path.join(repo, 'lib');
    const target = path.join(lib, 'handler', 'retry-handler.js');
    await writeFile(target, `${await readFile(target, 'utf8')}\nfunction addedForTheTest () { return 1 }\n`);
    await rm(path.join(lib, 'interceptor', 'dns.js'));
    await rename(path.join(lib, 'interceptor', 'dump.js'), path.join(lib, 'interceptor', 'dump2.js'));
    const changed = await index(repo, 'work');
    expect(changed.files).toMatchObject({ indexed: 2, deleted: 2 });
    // Unchanged chunks of the changed file and the renamed file's chunks keep their vectors.
    expect(changed.chunks.reused).toBeGreaterThan(0);

    await index(repo, 'fresh');
    expectSameContents('work', 'fresh');

    const found = await runCli(['search', 'retry after header', '--path', repo, '--json', '--collection', 'work'], { env: env() });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyJson(found).results.length).toBeGreaterThan(0);
    const status = onlyJson(await runCli(['status', repo, '--json', '--collection', 'work'], { env: env() }));
    expect(status).toMatchObject({ indexed: true, store: 'qdrant', provider: 'voyage', files: changed.files.scanned, search_mode: 'hybrid' });
  });

  it('a fresh runner with an empty disk is still incremental', async () => {
    const repo = await makeRepo();
    await index(repo, 'ci');
    // Another checkout of the same tree: nothing local, everything from Qdrant.
    const clone = path.join(work, `clone${n++}`);
    await cp(repo, clone, { recursive: true });
    await rm(path.join(clone, '.codeweaver'), { recursive: true, force: true });
    const before = voyage.requests.length;
    const rerun = await index(clone, 'ci');
    expect(rerun.files.indexed).toBe(0);
    expect(rerun.files.unchanged).toBe(rerun.files.scanned);
    expect(voyage.requests.length).toBe(before);
  });

  it('Ctrl-C mid-run, then a rerun: same contents as a clean index, no duplicate ids', async () => {
    const repo = await makeRepo();
    let reached!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    voyage.respond = (req, count) => {
      if (count === 3) reached();
      return voyage.ok(req);
    };
    const cli = spawnCli(['index', repo, '--collection', 'int'], { env: env() });
    await reachedP;
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    voyage.respond = (req) => voyage.ok(req);
    await index(repo, 'int');
    await index(repo, 'clean');
    expectSameContents('int', 'clean');
  });

  it('a model change is refused unless --full, which rebuilds beside and switches (--recreate still accepted)', async () => {
    const repo = await makeRepo();
    await index(repo, 'm');
    const refused = await runCli(['index', repo, '--collection', 'm', '--provider', 'local'], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/collection "m" was built with voyage\/voyage-code-3.*--full/);
    const rebuilt = await runCli(['index', repo, '--collection', 'm', '--provider', 'local', '--full', '--json'], { env: env() });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(onlyJson(rebuilt)).toMatchObject({ search_mode: 'lexical', rebuilt: true });
    const again = await runCli(['index', repo, '--collection', 'm', '--provider', 'local', '--full', '--recreate', '--json'], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(onlyJson(again).rebuilt).toBe(true);
    expect(again.stderr).toMatch(/--recreate is deprecated and changes nothing/);
  });

  it('Qdrant unreachable: one line, exit 1, nothing half-written', async () => {
    const repo = await makeRepo();
    const port = await closedPort();
    const res = await runCli(['index', repo, '--qdrant-url', `http://127.0.0.1:${port}`], { env: env() });
    expect(res.code).toBe(1);
    const errors = res.stderr.trim().split('\n').filter((l) => l.startsWith('cw: error:'));
    expect(errors).toEqual([
      `cw: error: qdrant: cannot reach http://127.0.0.1:${port} (connection refused) — is Qdrant running? set QDRANT_URL or store.url`,
    ]);
    expect(voyage.requests).toHaveLength(0);
  });
});
