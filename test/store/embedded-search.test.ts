import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../src/store/embedded.js';
import { chunk, DENSE3, file, LEXICAL, tempIndex } from './embedded-fixtures.js';

let t: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
});

describe('EmbeddedStore: lexical search', () => {
  let store: EmbeddedStore;
  beforeEach(async () => {
    store = t.make();
    await store.open(LEXICAL, { rebuild: false });
    await store.writeFiles([
      file('src/user.ts', [
        chunk('src/user.ts', 1, 'export function getUserName(id: string) {\n  return db.users.get(id).name;\n}', null, 'getUserName'),
      ]),
      file('src/order.ts', [chunk('src/order.ts', 1, 'export function placeOrder(cart: Cart) {\n  return submit(cart);\n}', null, 'placeOrder')]),
      file('lib/user_store.py', [chunk('lib/user_store.py', 1, 'def load_user_record(key):\n    pass', null, 'load_user_record')]),
    ]);
  });

  it('finds a camelCase identifier by its parts', async () => {
    const hits = await store.search({ text: 'user name', vector: null, limit: 5 });
    expect(hits[0]).toMatchObject({ path: 'src/user.ts', startLine: 1, endLine: 3, symbol: 'getUserName', language: 'typescript' });
    expect(hits[0].score).toBeGreaterThan(0);
    expect(hits.map((h) => h.path)).not.toContain('src/order.ts');
  });

  it('finds snake_case parts and the whole identifier', async () => {
    expect((await store.search({ text: 'record', vector: null, limit: 5 })).map((h) => h.path)).toEqual(['lib/user_store.py']);
    expect((await store.search({ text: 'load_user_record', vector: null, limit: 5 }))[0].path).toBe('lib/user_store.py');
  });

  it.each(['foo(', '"', 'AND', '*', 'user AND', 'NEAR(user name)', '"user', 'name*', '-user', 'col:user', '^', ''])(
    'treats FTS5 syntax in %j as plain text',
    async (text) => {
      await expect(store.search({ text, vector: null, limit: 5 })).resolves.toBeInstanceOf(Array);
    },
  );

  it('a query with syntax characters still matches its words', async () => {
    const hits = await store.search({ text: 'placeOrder( "cart" AND *', vector: null, limit: 5 });
    expect(hits[0].path).toBe('src/order.ts');
  });

  it('pathPrefix keeps only results under that directory', async () => {
    const all = await store.search({ text: 'user', vector: null, limit: 10 });
    expect(new Set(all.map((h) => h.path))).toEqual(new Set(['src/user.ts', 'lib/user_store.py']));
    const lib = await store.search({ text: 'user', vector: null, limit: 10, pathPrefix: 'lib/' });
    expect(lib.map((h) => h.path)).toEqual(['lib/user_store.py']);
    expect(await store.search({ text: 'user', vector: null, limit: 10, pathPrefix: 'li' })).toEqual([]);
  });

  it('the snippet centres on the best matching line', async () => {
    const body = ['// header', '', ...Array.from({ length: 20 }, (_, i) => `const filler${i} = ${i};`), '  const tokenBucketRefill = 1;', 'done();'];
    await store.writeFiles([file('src/long.ts', [chunk('src/long.ts', 1, body.join('\n'))])]);
    const [hit] = await store.search({ text: 'token bucket', vector: null, limit: 1 });
    expect(hit.snippet).toContain('const tokenBucketRefill = 1;');
    expect(hit.snippet).not.toContain('// header');
    expect(hit.snippet.split('\n').length).toBeLessThanOrEqual(5);
    expect(hit.snippet).toBe(hit.snippet.trim());
  });

  it('labels a hit with the definition its best line is in, in a chunk that merged several', async () => {
    const content = 'class InvalidHeader(ValueError):\n    """The header is invalid."""\n\n\nclass RetryError(Exception):\n    """Retries ran out: the retry budget is spent."""\n';
    const merged = { ...chunk('src/exceptions.py', 140, content, null, 'InvalidHeader'), definitions: [
      { symbol: 'InvalidHeader', startLine: 140, endLine: 143 },
      { symbol: 'RetryError', startLine: 144, endLine: 145 },
    ] };
    await store.writeFiles([file('src/exceptions.py', [merged])]);
    const [hit] = await store.search({ text: 'retry budget spent', vector: null, limit: 1 });
    expect(hit).toMatchObject({ path: 'src/exceptions.py', startLine: 140, symbol: 'RetryError' });
    const [header] = await store.search({ text: 'header invalid', vector: null, limit: 1 });
    expect(header!.symbol).toBe('InvalidHeader');
  });

  it('limit bounds the hits', async () => {
    expect(await store.search({ text: 'user name cart', vector: null, limit: 1 })).toHaveLength(1);
  });
});

describe('EmbeddedStore: hybrid search', () => {
  let store: EmbeddedStore;
  beforeEach(async () => {
    store = t.make();
    await store.open(DENSE3, { rebuild: false });
  });

  it('ranks the chunk with the closest vector first when lexical scores tie', async () => {
    const text = 'function parseConfig(input) { return input; }';
    // Same text, so BM25 cannot tell them apart; B's vector is nearer the query.
    await store.writeFiles([
      file('a/config.ts', [chunk('a/config.ts', 1, text, [1, 0, 0])]),
      file('b/config.ts', [chunk('b/config.ts', 1, text, [0, 1, 0.1])]),
    ]);
    const query = Float32Array.from([0, 1, 0]);
    const hits = await store.search({ text: 'parse config', vector: query, limit: 2 });
    expect(hits.map((h) => h.path)).toEqual(['b/config.ts', 'a/config.ts']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);

    const flipped = await store.search({ text: 'parse config', vector: Float32Array.from([1, 0, 0]), limit: 2 });
    expect(flipped.map((h) => h.path)).toEqual(['a/config.ts', 'b/config.ts']);
  });

  it('returns dense matches that share no words with the query', async () => {
    await store.writeFiles([
      file('x.ts', [chunk('x.ts', 1, 'alpha beta', [1, 0, 0])]),
      file('y.ts', [chunk('y.ts', 1, 'gamma delta', [0, 0, 1])]),
    ]);
    const hits = await store.search({ text: 'zzz unrelated', vector: Float32Array.from([0, 0.1, 1]), limit: 1 });
    expect(hits.map((h) => h.path)).toEqual(['y.ts']);
    expect(hits[0].snippet).toBe('gamma delta');
  });

  it('a chunk strong in both rankings beats one strong in only one', async () => {
    await store.writeFiles([
      file('both.ts', [chunk('both.ts', 1, 'retry backoff jitter', [0.9, 0.1, 0])]),
      file('lex.ts', [chunk('lex.ts', 1, 'retry backoff jitter retry backoff', [0, 0, 1])]),
      file('vec.ts', [chunk('vec.ts', 1, 'unrelated words here', [1, 0, 0])]),
      // Fillers nearer the query than lex.ts, so lex.ts is strong lexically only.
      ...Array.from({ length: 5 }, (_, i) => file(`f${i}.ts`, [chunk(`f${i}.ts`, 1, `filler ${i}`, [0.5, 0.5, 0.5])])),
    ]);
    const hits = await store.search({ text: 'retry backoff', vector: Float32Array.from([1, 0, 0]), limit: 3 });
    expect(hits[0].path).toBe('both.ts');
  });

  it('pathPrefix filters dense and lexical candidates', async () => {
    await store.writeFiles([
      file('src/a.ts', [chunk('src/a.ts', 1, 'shared words', [1, 0, 0])]),
      file('test/a.ts', [chunk('test/a.ts', 1, 'shared words', [1, 0, 0])]),
      file('srcx/a.ts', [chunk('srcx/a.ts', 1, 'shared words', [1, 0, 0])]),
    ]);
    const hits = await store.search({ text: 'shared', vector: Float32Array.from([1, 0, 0]), limit: 10, pathPrefix: 'src' });
    expect(hits.map((h) => h.path)).toEqual(['src/a.ts']);
  });
});

describe('EmbeddedStore: search without an index', () => {
  it('returns no hits and creates no file', async () => {
    const store = t.make();
    expect(await store.search({ text: 'anything', vector: null, limit: 5 })).toEqual([]);
    expect((await store.status()).files).toBe(0);
  });
});

describe('EmbeddedStore: searching an index an older cw wrote', () => {
  it('answers from a schema v6 index (no definitions column) without migrating it', async () => {
    const writer = t.make();
    await writer.open(LEXICAL, { rebuild: false });
    await writer.writeFiles([file('src/user.ts', [chunk('src/user.ts', 1, 'export function getUserName(id: string) {\n  return id;\n}', null, 'getUserName')])]);
    await writer.close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(t.path);
    db.exec('ALTER TABLE chunks DROP COLUMN definitions');
    db.exec('ALTER TABLE meta DROP COLUMN vector_index'); // added by v8
    db.pragma('user_version = 6');
    db.close();

    const reader = t.make();
    const hits = await reader.search({ text: 'user name', vector: null, limit: 5 });
    expect(hits[0]).toMatchObject({ path: 'src/user.ts', symbol: 'getUserName' });
    await reader.close();
    const after = new Database(t.path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(6);
    after.close();
  });
});
