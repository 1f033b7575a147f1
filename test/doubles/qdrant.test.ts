/**
 * The Qdrant double, driven through the real @qdrant/js-client-rest where possible: a valid
 * session must record no violations, malformed requests must be caught by the OpenAPI
 * validator, and auth / injected faults must behave like a real server would.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startQdrantDouble, type QdrantDouble } from './qdrant/index.js';
import { toJsonSchema } from './qdrant/openapi.js';

const doubles: QdrantDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
  vi.restoreAllMocks();
});

async function start(options?: { apiKey?: string; prefix?: string }): Promise<QdrantDouble> {
  const d = await startQdrantDouble(options);
  doubles.push(d);
  return d;
}

const clientFor = (d: QdrantDouble, apiKey?: string) => new QdrantClient({ url: d.url, port: null as unknown as number, checkCompatibility: false, apiKey });

/** The status of a rejected client call (the client throws ApiError-like objects with `status`). */
async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { status: number }).status;
  }
  throw new Error('expected the call to fail');
}

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const norm = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const cosine = (a: number[], b: number[]) => norm(a).reduce((s, x, i) => s + x * norm(b)[i], 0);
const idf = (N: number, n: number) => Math.log((N - n + 0.5) / (n + 0.5) + 1);

// Five chunks: "common" term 1 is in four of them, "rare" term 2 only in c5.
const POINTS = [
  { id: U(1), dense: [1, 0, 0, 0], sparse: { indices: [1], values: [3] }, payload: { path: 'src/a.ts', kind: 'chunk', tags: ['x', 'y'] } },
  { id: U(2), dense: [0.9, 0.1, 0, 0], sparse: { indices: [1, 7], values: [1, 1] }, payload: { path: 'src/a.ts', kind: 'chunk', tags: ['y'] } },
  { id: U(3), dense: [0, 1, 0, 0], sparse: { indices: [1], values: [1] }, payload: { path: 'src/b.ts', kind: 'chunk', tags: [] } },
  { id: U(4), dense: [0, 0, 1, 0], sparse: { indices: [1, 9], values: [0.5, 2] }, payload: { path: 'test/b.ts', kind: 'test' } },
  { id: U(5), dense: [0, 0, 0, 1], sparse: { indices: [2], values: [1] }, payload: { path: 'test/c.ts', kind: 'test' } },
];

async function seeded(d: QdrantDouble, client: QdrantClient) {
  await client.createCollection('code', {
    vectors: { dense: { size: 4, distance: 'Cosine' } },
    sparse_vectors: { lexical: { modifier: 'idf' } },
  });
  await client.createPayloadIndex('code', { field_name: 'path', field_schema: 'keyword', wait: true });
  await client.createPayloadIndex('code', { field_name: 'kind', field_schema: { type: 'keyword', is_tenant: false }, wait: true });
  await client.upsert('code', {
    wait: true,
    points: POINTS.map((p) => ({ id: p.id, vector: { dense: p.dense, lexical: p.sparse }, payload: p.payload })),
  });
  // A manifest-like point with an integer id and no sparse vector.
  await client.upsert('code', { wait: true, points: [{ id: 7, vector: { dense: [0.5, 0.5, 0, 0] }, payload: { kind: 'manifest', path: 'src/a.ts' } }] });
  return d;
}

describe('Qdrant double: a valid session through the real client', () => {
  it('creates, indexes, upserts (idempotently), retrieves and describes the collection', async () => {
    const d = await start();
    const client = clientFor(d);
    await seeded(d, client);

    expect(await client.collectionExists('code')).toEqual({ exists: true });
    expect(await client.collectionExists('nope')).toEqual({ exists: false });
    expect((await client.getCollections()).collections).toEqual([{ name: 'code' }]);

    // Same ids again with a changed payload: replaced, not duplicated.
    await client.upsert('code', { wait: true, points: [{ id: U(1), vector: { dense: [1, 0, 0, 0], lexical: POINTS[0].sparse }, payload: { path: 'src/a.ts', kind: 'chunk', rev: 2 } }] });
    const info = await client.getCollection('code');
    expect(info.points_count).toBe(6);
    expect(info.status).toBe('green');
    expect(info.config.params.vectors).toEqual({ dense: { size: 4, distance: 'Cosine' } });
    expect(info.config.params.sparse_vectors).toEqual({ lexical: { modifier: 'idf' } });
    expect(info.payload_schema.path?.data_type).toBe('keyword');
    expect(info.payload_schema.kind).toMatchObject({ data_type: 'keyword', params: { type: 'keyword', is_tenant: false } });

    const got = await client.retrieve('code', { ids: [U(1), 7, U(99)], with_vector: ['dense'] });
    expect(got.map((r) => r.id)).toEqual([U(1), 7]);
    expect(got[0].payload).toEqual({ path: 'src/a.ts', kind: 'chunk', rev: 2 });
    // Cosine collections store normalised vectors, as Qdrant does.
    const v7 = (got[1].vector as Record<string, number[]>).dense;
    expect(v7[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(d.collection('code')!.points.get(U(1))!.payload.rev).toBe(2);
    expect(d.collection('code')!.payloadIndexes).toEqual({ path: 'keyword', kind: { type: 'keyword', is_tenant: false } });

    expect(d.violations).toEqual([]);
    expect(d.counts()).toMatchObject({ create_collection: 1, create_index: 2, upsert: 3, retrieve: 1, get_collection: 1 });
  });

  it('scrolls in id order with next_page_offset, counts and deletes by filter and by id', async () => {
    const d = await start();
    const client = clientFor(d);
    await seeded(d, client);

    const seen: Array<string | number> = [];
    let offset: string | number | undefined | null = undefined;
    for (let page = 0; page < 10; page++) {
      const res = await client.scroll('code', { limit: 2, offset: offset ?? undefined, with_payload: ['path'], with_vector: false });
      for (const p of res.points) {
        seen.push(p.id);
        expect(Object.keys(p.payload ?? {})).toEqual(['path']);
        expect(p.vector ?? null).toBeNull();
      }
      offset = res.next_page_offset as string | number | null;
      if (offset === null || offset === undefined) break;
    }
    // Integer ids come before UUIDs; every point exactly once.
    expect(seen).toEqual([7, U(1), U(2), U(3), U(4), U(5)]);

    const count = async (filter: object) => (await client.count('code', { filter, exact: true })).count;
    expect(await count({ must: [{ key: 'kind', match: { value: 'chunk' } }] })).toBe(3);
    expect(await count({ must: [{ key: 'tags', match: { value: 'y' } }] })).toBe(2); // array payload: any element
    expect(await count({ must: [{ key: 'path', match: { any: ['src/b.ts', 'test/c.ts'] } }] })).toBe(2);
    expect(await count({ must: [{ key: 'kind', match: { except: ['chunk', 'manifest'] } }] })).toBe(2);
    expect(await count({ must_not: [{ has_id: [U(1), 7] }] })).toBe(4);
    expect(await count({ should: [{ key: 'path', match: { value: 'src/b.ts' } }, { must: [{ key: 'kind', match: { value: 'test' } }, { key: 'path', match: { value: 'test/c.ts' } }] }] })).toBe(2);

    await client.delete('code', { wait: true, filter: { must: [{ key: 'kind', match: { value: 'test' } }] } });
    expect(await count({})).toBe(4);
    await client.delete('code', { wait: true, points: [U(1), 7] });
    expect([...d.collection('code')!.points.keys()].sort()).toEqual([U(2), U(3)]);
    expect(d.violations).toEqual([]);
    expect(d.counts()).toMatchObject({ scroll: 3, count: 7, delete: 2 });
  });

  it('answers dense (cosine), sparse (idf) and prefetch + RRF queries with Qdrant scores', async () => {
    const d = await start();
    const client = clientFor(d);
    await seeded(d, client);

    const q = [1, 0.2, 0, 0];
    const dense = await client.query('code', { query: q, using: 'dense', limit: 3, with_payload: true });
    const byCosine = [...POINTS.map((p) => ({ id: p.id as string | number, s: cosine(q, p.dense) })), { id: 7 as string | number, s: cosine(q, [0.5, 0.5, 0, 0]) }].sort((a, b) => b.s - a.s);
    expect(dense.points.map((p) => p.id)).toEqual(byCosine.slice(0, 3).map((x) => x.id));
    dense.points.forEach((p, i) => expect(p.score).toBeCloseTo(byCosine[i].s, 5));
    expect(dense.points[0].payload).toMatchObject({ path: expect.any(String) });

    // Plain dot product would rank U(1) (3 × common term) first; IDF lifts the rare term.
    const sparse = await client.query('code', { query: { indices: [1, 2], values: [1, 1] }, using: 'lexical', limit: 10 });
    const N = 5; // points with a sparse vector
    const w1 = idf(N, 4);
    const w2 = idf(N, 1);
    expect(sparse.points[0]).toMatchObject({ id: U(5), payload: null });
    expect(sparse.points[0].score).toBeCloseTo(w2, 5);
    expect(sparse.points.find((p) => p.id === U(1))!.score).toBeCloseTo(3 * w1, 5);
    // Points sharing no index with the query are not returned; 7 has no sparse vector.
    expect(sparse.points.map((p) => p.id).sort()).toEqual([U(1), U(2), U(3), U(4), U(5)]);

    const filtered = await client.query('code', { query: q, using: 'dense', filter: { must: [{ key: 'kind', match: { value: 'test' } }] } });
    expect(filtered.points.map((p) => p.id).sort()).toEqual([U(4), U(5)]);

    const sq = { indices: [1, 2], values: [1, 1] };
    const fused = await client.query('code', {
      prefetch: [
        { query: q, using: 'dense', limit: 4 },
        { query: sq, using: 'lexical', limit: 4 },
      ],
      query: { fusion: 'rrf' },
      limit: 10,
      with_payload: false,
    });
    const denseIds = (await client.query('code', { query: q, using: 'dense', limit: 4 })).points.map((p) => p.id);
    const sparseIds = (await client.query('code', { query: sq, using: 'lexical', limit: 4 })).points.map((p) => p.id);
    const expected = new Map<string | number, number>();
    for (const list of [denseIds, sparseIds]) list.forEach((id, r) => expected.set(id, (expected.get(id) ?? 0) + 1 / (60 + r + 1)));
    const ranked = [...expected].sort((a, b) => b[1] - a[1]);
    expect(fused.points.map((p) => p.score)).toEqual(ranked.map(([, s]) => expect.closeTo(s, 9)));
    expect(new Set(fused.points.map((p) => p.id))).toEqual(new Set(expected.keys()));
    expect(fused.points[0].version).toEqual(expect.any(Number));

    expect(d.violations).toEqual([]);
    expect(d.counts().query).toBe(6);
  });
});

describe('Qdrant double: requests a real Qdrant would reject', () => {
  const raw = (d: QdrantDouble, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(d.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });

  it('rejects malformed bodies and params with 400 in Qdrant error shape and records violations', async () => {
    const d = await start();
    await clientFor(d).createCollection('code', { vectors: { dense: { size: 2, distance: 'Dot' } } });

    const cases: Array<[string, string, unknown]> = [
      ['PUT', '/collections/code/points?wait=true', { points: 'x' }],
      ['PUT', '/collections/code/points', { points: [{ id: 1, vector: 'abc' }] }],
      ['PUT', '/collections/code/points', { points: [{ id: -3, vector: { dense: [1, 2] } }] }],
      ['PUT', '/collections/code/points?wait=maybe', { points: [] }],
      ['POST', '/collections/code/points/scroll', { filter: { must_nt: [] } }],
      ['POST', '/collections/code/points/query', { query: { fusion: 'borda' }, prefetch: [] }],
      ['POST', '/collections/code/points/count', '{"filter": '],
    ];
    for (const [method, path, body] of cases) {
      const res = await raw(d, method, path, body);
      const answer = (await res.json()) as { status: { error: string }; time: number };
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(answer.status.error.length).toBeGreaterThan(0);
      expect(typeof answer.time).toBe('number');
    }
    expect(d.violations.map((v) => v.path)).toEqual(cases.map(([, p]) => p.split('?')[0]));
    expect(d.violations[0].errors).toMatch(/points/);
    expect(d.violations[3].errors).toMatch(/query\.wait/);
    expect(d.violations[4].errors).toMatch(/must_nt/);
    // Nothing was written by the rejected upserts.
    expect(d.collection('code')!.points.size).toBe(0);
  });

  it('rejects what the schema cannot see: wrong vector size or name (client gets 400)', async () => {
    const d = await start();
    const client = clientFor(d);
    await client.createCollection('code', { vectors: { dense: { size: 2, distance: 'Dot' } } });
    expect(await statusOf(client.upsert('code', { points: [{ id: 1, vector: { dense: [1, 2, 3] } }] }))).toBe(400);
    expect(await statusOf(client.query('code', { query: [1, 2], using: 'densse' }))).toBe(400);
    expect(d.violations.map((v) => v.errors)).toEqual([
      'Wrong input: Vector dimension error: expected dim: 2, got 3',
      'Wrong input: Not existing vector name error: densse',
    ]);
  });

  it('answers unknown paths with 404 and records them; a missing collection is a 404 but not a violation', async () => {
    const d = await start();
    const res = await raw(d, 'POST', '/collections/code/points/serch', { limit: 1 });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { status: { error: string } }).status.error).toMatch(/no operation/);
    expect((await raw(d, 'PATCH', '/', {})).status).toBe(404);
    expect(d.violations.map((v) => `${v.method} ${v.path}`)).toEqual(['POST /collections/code/points/serch', 'PATCH /']);

    const missing = await raw(d, 'GET', '/collections/ghost');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { status: { error: string } }).status.error).toBe('Not found: Collection `ghost` doesn\'t exist!');
    expect(await statusOf(clientFor(d).count('ghost', {}))).toBe(404);
    expect(d.violations).toHaveLength(2);
    expect(d.counts()).toMatchObject({ unknown: 2, get_collection: 1, count: 1 });
  });

  it('the OpenAPI rewrite turns a bare `nullable` branch into null, so anyOf branches still validate', () => {
    expect(toJsonSchema({ anyOf: [{ $ref: '#/x' }, { nullable: true }] })).toEqual({ anyOf: [{ $ref: '#/x' }, { type: 'null' }] });
    expect(toJsonSchema({ type: 'integer', nullable: true, example: 3 })).toEqual({ type: ['integer', 'null'] });
  });
});

describe('Qdrant double: auth and injected faults', () => {
  it('answers 401 without or with a wrong api-key, and serves the right key', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {}); // the client warns about api keys over http
    const d = await start({ apiKey: 's3cret' });
    expect(await statusOf(clientFor(d).getCollections())).toBe(401);
    expect(await statusOf(clientFor(d, 'wrong').getCollections())).toBe(401);
    expect(await clientFor(d, 's3cret').getCollections()).toEqual({ collections: [] });
    // GET / (version) stays open so the client's compatibility check works.
    expect((await clientFor(d).versionInfo()).version).toBe('1.19.0');
    expect(d.requests.map((r) => r.status)).toEqual([401, 401, 200, 200]);
    const body = (await (await fetch(d.url + '/collections')).json()) as { status: { error: string } };
    expect(body.status.error).toMatch(/API key/);
  });

  it('failNext(1, 503) fails exactly one request, then serves normally; predicates select requests', async () => {
    const d = await start();
    const client = clientFor(d);
    d.failNext(1, 503);
    expect(await statusOf(client.getCollections())).toBe(503);
    expect(await client.getCollections()).toEqual({ collections: [] });

    await client.createCollection('code', { vectors: { size: 2, distance: 'Dot' } });
    d.failNext(2, 429, (method, path) => method === 'PUT' && path.endsWith('/points'));
    const upsert = () => client.upsert('code', { wait: true, points: [{ id: 1, vector: [1, 2], payload: { a: 1 } }] });
    expect(await statusOf(upsert())).toBe(429);
    expect((await client.count('code', {})).count).toBe(0); // not matched by the predicate
    expect(await statusOf(upsert())).toBe(429);
    expect(await upsert()).toMatchObject({ status: 'completed' });
    expect(d.collection('code')!.points.get('1')!.vector).toEqual({ '': [1, 2] });
    expect(d.counts()).toMatchObject({ upsert: 3, count: 1, get_collections: 2 });
    expect(d.violations).toEqual([]);
  });

  it('serves below a proxy prefix when asked, and nowhere else', async () => {
    const d = await start({ prefix: '/qdrant' });
    expect(d.url).toMatch(/\/qdrant$/);
    const origin = new URL(d.url).origin;
    const client = new QdrantClient({ url: origin, prefix: '/qdrant', port: null as unknown as number, checkCompatibility: false });
    await client.createCollection('code', { vectors: { size: 2, distance: 'Dot' } });
    expect(d.requests.map((r) => r.path)).toEqual(['/collections/code']);
    expect(await statusOf(clientFor({ ...d, url: origin }).collectionExists('code'))).toBe(404);
    expect(d.violations.map((v) => v.path)).toEqual(['/collections/code/exists']);
  });

  it('starts and answers its first request (spec loaded and validators compiled on demand)', async () => {
    const d = await start();
    expect((await clientFor(d).getCollections()).collections).toEqual([]);
  });
});
