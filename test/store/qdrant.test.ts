import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkId, sha256Hex } from '../../src/chunking/chunk.js';
import { AuthError, IndexMismatchError, ServiceError } from '../../src/errors.js';
import { inShard } from '../../src/discovery/shard.js';
import { QdrantStore } from '../../src/store/qdrant.js';
import type { FileWrite, IndexMeta, StoredChunk } from '../../src/store/vector-store.js';
import { closedPort } from '../support/ports.js';
import { startQdrantDouble, type QdrantDouble } from '../doubles/qdrant/index.js';

const DIMS = 4;
const META: IndexMeta = { provider: 'voyage', model: 'voyage-code-3', dimensions: DIMS };
const FAST_RETRIES = { maxAttempts: 3, maxTotalWaitMs: 1000, baseDelayMs: 5, maxDelayMs: 20 };

let q: QdrantDouble;
beforeEach(async () => {
  q = await startQdrantDouble();
});
afterEach(async () => {
  expect(q.violations).toEqual([]);
  await q.close();
});

function store(overrides: Partial<ConstructorParameters<typeof QdrantStore>[0]> = {}) {
  return new QdrantStore({
    url: q.url,
    apiKeyEnv: 'QDRANT_API_KEY',
    collection: 'repo',
    upsertBatchSize: 3,
    maxConnections: 4,
    timeoutMs: 5000,
    retryPolicy: FAST_RETRIES,
    ...overrides,
  });
}

function chunk(path: string, start: number, content: string, vector: number[] | null): StoredChunk {
  const contentHash = sha256Hex(content);
  const lines = content.split('\n').length;
  return {
    id: chunkId(path, start, start + lines - 1, contentHash),
    path,
    language: 'typescript',
    startLine: start,
    endLine: start + lines - 1,
    content,
    contentHash,
    symbol: /function (\w+)/.exec(content)?.[1] ?? null,
    tokens: 10,
    vector: vector ? Float32Array.from(vector) : null,
  };
}

function file(path: string, chunks: StoredChunk[]): FileWrite {
  return { path, fileHash: sha256Hex(chunks.map((c) => c.content).join('\n')), language: 'typescript', chunks };
}

const pointsOf = (kind: string) => [...(q.collection('repo')?.points.values() ?? [])].filter((p) => p.payload.kind === kind);

describe('QdrantStore against the OpenAPI-validating double', () => {
  it('creates the collection: named dense vector, sparse vector with idf, payload indexes', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    const c = q.collection('repo')!;
    expect(c.config.vectors).toMatchObject({ dense: { size: DIMS, distance: 'Cosine' } });
    expect(c.config.sparse_vectors).toMatchObject({ lexical: { modifier: 'idf' } });
    expect(Object.keys(c.payloadIndexes).sort()).toEqual(['content_hash', 'dirs', 'file_hash', 'kind', 'language', 'path', 'path_key']);
    expect(await s.openReadOnly()).toEqual(META);
  });

  it('writes files, records hashes after chunks, rewrites without orphans or duplicates, deletes', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    const a1 = file('src/a.ts', [chunk('src/a.ts', 1, 'function alpha() {}', [1, 0, 0, 0]), chunk('src/a.ts', 2, 'function beta() {}', [0, 1, 0, 0])]);
    const b = file('lib/b.ts', [chunk('lib/b.ts', 1, 'function gamma() {}', [0, 0, 1, 0])]);
    expect(await s.writeFiles([a1, b])).toEqual({ chunksWritten: 3, chunksDeleted: 0 });
    expect(pointsOf('chunk')).toHaveLength(3);
    expect(await s.fileHashes(['src/a.ts', 'lib/b.ts', 'missing.ts'])).toEqual(
      new Map([
        ['src/a.ts', a1.fileHash],
        ['lib/b.ts', b.fileHash],
      ]),
    );
    const listed: string[] = [];
    for await (const p of s.listFiles()) listed.push(p);
    expect(listed.sort()).toEqual(['lib/b.ts', 'src/a.ts']);

    // Idempotent: the same write twice leaves the same points.
    await s.writeFiles([b]);
    expect(pointsOf('chunk')).toHaveLength(3);

    // A changed file: one chunk kept, one replaced.
    const a2 = file('src/a.ts', [chunk('src/a.ts', 1, 'function alpha() {}', [1, 0, 0, 0]), chunk('src/a.ts', 2, 'function delta() {}', [0, 0, 0, 1])]);
    expect(await s.writeFiles([a2])).toEqual({ chunksWritten: 2, chunksDeleted: 1 });
    const ids = pointsOf('chunk').map((p) => p.id);
    expect(new Set(ids).size).toBe(3);
    expect(pointsOf('chunk').map((p) => p.payload.symbol).sort()).toEqual(['alpha', 'delta', 'gamma']);

    expect(await s.deleteFiles(['src/a.ts'])).toBe(2);
    expect(pointsOf('chunk').map((p) => p.payload.path)).toEqual(['lib/b.ts']);
    expect(await s.fileHashes(['src/a.ts'])).toEqual(new Map());
    expect(await s.status()).toMatchObject({ kind: 'qdrant', files: 1, chunks: 1, vectors: 1, meta: META });
  });

  it('a fresh runner (new store instance, no local state) sees the same manifest and reusable vectors', async () => {
    const first = store();
    await first.open(META, { rebuild: false });
    // Qdrant stores Cosine vectors normalised: use a unit vector so it comes back as written.
    const a = file('src/a.ts', [chunk('src/a.ts', 1, 'function alpha() {}', [0.6, 0.8, 0, 0])]);
    await first.writeFiles([a]);
    const fresh = store();
    await fresh.open(META, { rebuild: false });
    expect(await fresh.fileHashes(['src/a.ts'])).toEqual(new Map([['src/a.ts', a.fileHash]]));
    const reuse = await fresh.reusableVectors([a.chunks[0]!.contentHash, 'nope']);
    expect([...reuse.keys()]).toEqual([a.chunks[0]!.contentHash]);
    expect(Array.from(reuse.get(a.chunks[0]!.contentHash)!).map((x) => Number(x.toFixed(6)))).toEqual([0.6, 0.8, 0, 0]);
  });

  it('refuses another model or size unless rebuilding, which fills a new collection and switches the alias on publish', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    await s.writeFiles([file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0])])]);
    expect(q.aliases().get('repo')).toBe('repo.cw-1');
    const other = store();
    await expect(other.open({ ...META, dimensions: 8 }, { rebuild: false })).rejects.toThrow(IndexMismatchError);
    await expect(other.open({ ...META, dimensions: 8 }, { rebuild: false })).rejects.toThrow(/voyage\/voyage-code-3 \(4 dims\).*--full/);
    await other.open({ ...META, dimensions: 8 }, { rebuild: true });
    await other.writeFiles([file('b.ts', [chunk('b.ts', 1, 'function beta() {}', [0, 1, 0, 0, 0, 0, 0, 0])])]);
    // Until publish, the alias (and every search through it) still sees the old collection.
    expect(q.collection('repo')!.config.vectors).toMatchObject({ dense: { size: 4 } });
    expect(pointsOf('chunk').map((p) => p.payload.path)).toEqual(['a.ts']);
    await other.publish();
    expect(q.aliases().get('repo')).toMatch(/^repo\.cw-/);
    expect(q.aliases().get('repo')).not.toBe('repo.cw-1');
    expect(q.collection('repo.cw-1')).toBeUndefined();
    expect(q.collection('repo')!.config.vectors).toMatchObject({ dense: { size: 8 } });
    expect(pointsOf('chunk').map((p) => p.payload.path)).toEqual(['b.ts']);
    expect(q.violations).toEqual([]);
  });

  it('searches lexically (sparse + idf) and hybrid (rrf), with a directory filter', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    await s.writeFiles([
      file('src/http/pool.ts', [chunk('src/http/pool.ts', 1, 'function acquireConnection() { return pool.take(); }', [1, 0, 0, 0])]),
      file('src/cli/main.ts', [chunk('src/cli/main.ts', 1, 'function parseArguments() { return argv; }', [0, 1, 0, 0])]),
      file('docs/guide.ts', [chunk('docs/guide.ts', 1, 'function acquireGuide() { return connection; }', [0, 0, 1, 0])]),
    ]);
    const lexical = await s.search({ text: 'acquire connection', vector: null, limit: 5 });
    expect(lexical[0]).toMatchObject({ path: 'src/http/pool.ts', startLine: 1, symbol: 'acquireConnection' });
    const filtered = await s.search({ text: 'acquire', vector: null, limit: 5, pathPrefix: 'docs' });
    expect(filtered.map((h) => h.path)).toEqual(['docs/guide.ts']);
    const hybrid = await s.search({ text: 'arguments', vector: Float32Array.from([0, 1, 0, 0]), limit: 3 });
    expect(hybrid[0]!.path).toBe('src/cli/main.ts');
    expect(q.counts().query).toBeGreaterThanOrEqual(3);
  });

  it('labels a hit with the definition its best line is in, from the definitions in the payload', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    const content = 'function acquireConnection() { return pool.take(); }\nfunction releaseConnection(c) { pool.put(c); }';
    const merged = { ...chunk('src/http/pool.ts', 1, content, [1, 0, 0, 0]), definitions: [
      { symbol: 'acquireConnection', startLine: 1, endLine: 1 },
      { symbol: 'releaseConnection', startLine: 2, endLine: 2 },
    ] };
    await s.writeFiles([file('src/http/pool.ts', [merged])]);
    const [hit] = await s.search({ text: 'release put', vector: null, limit: 1 });
    expect(hit).toMatchObject({ path: 'src/http/pool.ts', startLine: 1, symbol: 'releaseConnection' });
  });

  it('store.quantization int8: the collection gets an int8 copy, dense queries rescore oversampled candidates, and none takes it away', async () => {
    const live = () => q.collection(q.aliases().get('repo')!)!;
    const denseQueries = () =>
      q.requests.filter((r) => r.path.endsWith('/points/query')).flatMap((r) => ((r.body as any).prefetch ?? []).filter((p: any) => p.using === 'dense'));

    const s = store({ quantization: 'int8' });
    await s.open(META, { rebuild: false });
    expect(live().config.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.99, always_ram: true } });
    await s.writeFiles([file('src/http/pool.ts', [chunk('src/http/pool.ts', 1, 'function acquireConnection() { return pool.take(); }', [1, 0, 0, 0])])]);
    const hits = await s.search({ text: 'acquire', vector: Float32Array.from([1, 0, 0, 0]), limit: 3 });
    expect(hits[0]!.path).toBe('src/http/pool.ts');
    expect(denseQueries().at(-1).params).toEqual({ quantization: { ignore: false, rescore: true, oversampling: 2 } });

    // The default: the next run takes the copy away, and queries carry no quantization params.
    const plain = store();
    await plain.open(META, { rebuild: false });
    expect(live().config.quantization_config).toBeUndefined();
    await plain.search({ text: 'acquire', vector: Float32Array.from([1, 0, 0, 0]), limit: 3 });
    expect(denseQueries().at(-1).params).toBeUndefined();
    // And a run with int8 adds it to an existing collection; a second one changes nothing.
    await store({ quantization: 'int8' }).open(META, { rebuild: false });
    const updates = () => q.requests.filter((r) => r.method === 'PATCH').length;
    const before = updates();
    await store({ quantization: 'int8' }).open(META, { rebuild: false });
    expect(updates()).toBe(before);
    expect(live().config.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.99, always_ram: true } });
  });

  it('two runners creating the collection at once both succeed (the second joins it)', async () => {
    const a = store();
    const b = store();
    await Promise.all([a.open(META, { rebuild: false }), b.open(META, { rebuild: false })]);
    expect(q.requests.filter((r) => r.method === 'PUT' && r.path === '/collections/repo.cw-1').map((r) => r.status).sort()).toEqual([200, 409]);
    expect(q.aliases().get('repo')).toBe('repo.cw-1');
    await b.writeFiles([file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0])])]);
    expect(await a.fileHashes(['a.ts'])).toEqual(new Map([['a.ts', expect.any(String)]]));
  });

  it('drop() removes the alias, the live collection and any unfinished rebuild, and nothing else', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    await s.writeFiles([file('a.ts', [chunk('a.ts', 1, 'function alpha() {}', [1, 0, 0, 0])])]);
    const rebuild = store();
    await rebuild.open(META, { rebuild: true }); // left unfinished
    const other = store({ collection: 'other-repo' });
    await other.open(META, { rebuild: false });
    const removed = await store().drop();
    expect(removed).toEqual(expect.arrayContaining(['alias repo', 'collection repo.cw-1']));
    expect(removed.filter((r) => r.startsWith('collection repo.cw-'))).toHaveLength(2);
    expect(q.aliases().has('repo')).toBe(false);
    expect(q.collection('repo')).toBeUndefined();
    expect(q.collection('other-repo')).toBeDefined();
    expect(await store().openReadOnly()).toBeNull();
  });

  it('retries a 503 and succeeds', async () => {
    const s = store();
    q.failNext(1, 503);
    await s.open(META, { rebuild: false });
    expect(await s.openReadOnly()).toEqual(META);
    expect(s.stats().requests).toBeGreaterThan(q.requests.filter((r) => r.status === 503).length);
  });

  it('a refused key is an AuthError naming the variable, without the key', async () => {
    await q.close();
    q = await startQdrantDouble({ apiKey: 'right-key' });
    const s = store({ apiKey: 'wrong-key-123' });
    const err = await s.open(META, { rebuild: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/^qdrant: API key refused \(HTTP 401\).*QDRANT_API_KEY/);
    expect((err as Error).message).not.toContain('wrong-key-123');
    const ok = store({ apiKey: 'right-key' });
    await ok.open(META, { rebuild: false });
  });

  it('an unreachable server gives one line naming the URL and the fix', async () => {
    const port = await closedPort();
    const s = store({ url: `http://127.0.0.1:${port}` });
    const err = await s.open(META, { rebuild: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toBe(
      `qdrant: cannot reach http://127.0.0.1:${port} (connection refused) — is Qdrant running? set QDRANT_URL or store.url`,
    );
  });
});


describe('QdrantStore shards', () => {
  it("lists a shard's own manifests by key range, and those written before keys existed to every shard", async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    const paths = Array.from({ length: 24 }, (_, i) => `src/m${i}.ts`);
    await s.writeFiles(paths.map((p, i) => file(p, [chunk(p, 1, `export function f${i}() {}`, [1, i, 0, 0])])));
    // A manifest as an older cw wrote it: no path_key.
    const legacy = pointsOf('file').find((p) => p.payload.path === 'src/m0.ts')!;
    delete legacy.payload.path_key;
    delete q.collection('repo')!.payloadIndexes.path_key; // as in a collection made before shards
    await s.close();

    const reopened = store();
    await reopened.open(META, { rebuild: false, shard: { index: 1, count: 3 } });
    const listed = async (index: number) => {
      const out: string[] = [];
      for await (const p of reopened.listFiles(undefined, { index, count: 3 })) out.push(p);
      return out.sort();
    };
    const parts = [await listed(1), await listed(2), await listed(3)];
    for (const [i, part] of parts.entries()) {
      const own = paths.filter((p) => p !== 'src/m0.ts' && inShard(p, { index: i + 1, count: 3 }));
      expect(part).toEqual([...own, 'src/m0.ts'].sort());
    }
    // The range filter has an index to use again.
    expect(Object.keys(q.collection('repo')!.payloadIndexes)).toContain('path_key');
    await reopened.close();
  });

  it('records shard runs in the collection written, one per shard, replaced by the next run', async () => {
    const s = store();
    await s.open(META, { rebuild: false });
    const base = {
      shards: 2,
      build: null,
      commit: 'abc',
      started_at: '2026-12-01T00:00:00.000Z',
      finished_at: null,
      files: { total: 0, indexed: 0, unchanged: 0, deleted: 0, failed: 0 },
      chunks: { embedded: 0, reused: 0, written: 0, deleted: 0 },
      duration_ms: 0,
      cw_version: '0',
    };
    await s.recordShardRun({ ...base, shard: 1, outcome: 'running' });
    await s.recordShardRun({ ...base, shard: 1, outcome: 'complete', finished_at: '2026-12-01T00:01:00.000Z' });
    await s.recordShardRun({ ...base, shard: 2, outcome: 'failed' });
    const status = await s.status();
    expect(status.shardRuns?.map((r) => [r.shard, r.outcome])).toEqual([
      [1, 'complete'],
      [2, 'failed'],
    ]);
    // Shard points are neither files nor chunks.
    expect(status.files).toBe(0);
    expect(status.chunks).toBe(0);
    await s.close();
  });
});
