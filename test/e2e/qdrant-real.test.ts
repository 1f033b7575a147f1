/**
 * Opt-in: the Qdrant end-to-end checks against a real server. Skipped unless QDRANT_URL is set
 * (and QDRANT_API_KEY when the server needs one), e.g.
 *   QDRANT_URL=http://localhost:6333 npx vitest run test/e2e/qdrant-real.test.ts
 * Collections are named per run and deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoyageServer, type ProviderServer } from '../embedding/servers/index.js';
import { assertBuilt, cleanEnv, onlyJson, PROJECT_ROOT, runCli, spawnCli } from './cli-harness.js';

const URL_ = process.env.QDRANT_URL;
const KEY = process.env.QDRANT_API_KEY;
const CORPUS = ['handler', 'interceptor'].map((d) => path.join(PROJECT_ROOT, 'node_modules', 'undici', 'lib', d));

describe.skipIf(!URL_)('against a real Qdrant (QDRANT_URL)', () => {
  const run = `cwtest-${randomUUID().slice(0, 8)}`;
  const collections: string[] = [];
  let client: QdrantClient;
  let voyage: ProviderServer;
  let work: string;

  beforeAll(async () => {
    assertBuilt();
    const u = new URL(URL_!);
    client = new QdrantClient({ url: u.origin, prefix: u.pathname.replace(/\/+$/, '') || undefined, port: null, headers: KEY ? { 'api-key': KEY } : undefined, checkCompatibility: false });
    voyage = await startVoyageServer();
    work = await mkdtemp(path.join(os.tmpdir(), 'cw-real-qdrant-'));
  });
  afterAll(async () => {
    // cw keeps each index in `<name>.cw-…` behind the alias `<name>`: drop those collections.
    const { collections: all } = await client.getCollections();
    for (const { name: existing } of all) {
      if (collections.some((c) => existing === c || existing.startsWith(`${c}.cw-`))) await client.deleteCollection(existing).catch(() => {});
    }
    await voyage?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const name = (suffix: string) => {
    const c = `${run}-${suffix}`;
    collections.push(c);
    return c;
  };
  const env = () => cleanEnv({ VOYAGE_API_KEY: 'pa-test', QDRANT_URL: URL_!, ...(KEY ? { QDRANT_API_KEY: KEY } : {}) });
  let n = 0;
  async function makeRepo(): Promise<string> {
    const repo = path.join(work, `repo${n++}`);
    for (const dir of CORPUS) await cp(dir, path.join(repo, 'lib', path.basename(dir)), { recursive: true });
    await writeFile(
      path.join(repo, 'codeweaver.config.json'),
      JSON.stringify({ embedding: { provider: 'voyage', base_url: voyage.baseUrl, batch_size: 16, concurrency: 2 }, store: { kind: 'qdrant' } }),
    );
    return repo;
  }
  async function index(repo: string, collection: string) {
    const res = await runCli(['index', repo, '--json', '--collection', collection], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    return onlyJson(res);
  }
  async function contents(collection: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let offset: string | number | undefined;
    for (;;) {
      const page = await client.scroll(collection, { limit: 500, offset, with_payload: true, with_vector: ['lexical'] });
      for (const p of page.points) {
        const { indexed_at: _t, last_indexed_at: _l, created_at: _c, ...payload } = (p.payload ?? {}) as Record<string, unknown>;
        out.set(String(p.id), JSON.stringify({ payload, lexical: (p.vector as Record<string, unknown>)?.lexical ?? null }));
      }
      if (page.next_page_offset == null || typeof page.next_page_offset === 'object') return out;
      offset = page.next_page_offset as string | number;
    }
  }

  it('indexes, reruns with no change, and matches a fresh index after modify/delete/rename', async () => {
    const repo = await makeRepo();
    const work1 = name('work');
    await index(repo, work1);
    const again = await index(repo, work1);
    expect(again.chunks).toEqual({ embedded: 0, reused: 0, written: 0, deleted: 0 });
    expect(again.store_requests.upsert ?? 0).toBe(0);

    const lib = path.join(repo, 'lib');
    const target = path.join(lib, 'handler', 'retry-handler.js');
    await writeFile(target, `${await readFile(target, 'utf8')}\nfunction addedForTheTest () { return 1 }\n`);
    await rm(path.join(lib, 'interceptor', 'dns.js'));
    await rename(path.join(lib, 'interceptor', 'dump.js'), path.join(lib, 'interceptor', 'dump2.js'));
    await index(repo, work1);
    const fresh = name('fresh');
    await index(repo, fresh);
    expect(await contents(work1)).toEqual(await contents(fresh));

    const found = await runCli(['search', 'retry after', '--path', repo, '--json', '--collection', work1], { env: env() });
    expect(found.code, found.stderr).toBe(0);
    expect(onlyJson(found).results.length).toBeGreaterThan(0);
  });

  it('Ctrl-C then rerun equals a clean index', async () => {
    const repo = await makeRepo();
    let reached!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    voyage.respond = (req, count) => {
      if (count === 3) reached();
      return voyage.ok(req);
    };
    const interrupted = name('int');
    const cli = spawnCli(['index', repo, '--collection', interrupted], { env: env() });
    await reachedP;
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
    voyage.respond = (req) => voyage.ok(req);
    await index(repo, interrupted);
    const clean = name('clean');
    await index(repo, clean);
    expect(await contents(interrupted)).toEqual(await contents(clean));
  });
});
