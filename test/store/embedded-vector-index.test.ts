// The embedded store's dense index in sqlite-vec: sign bits of every stored vector kept in the
// same writes as the chunks, candidates rescored exactly (the answers of the scan), built for an
// index that has none, rebuilt after a writer that could not keep it, and the scan where the
// extension does not load.
import Database from 'better-sqlite3';
import { getLoadablePath } from 'sqlite-vec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvKnobs } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';
import { EmbeddedStore } from '../../src/store/embedded.js';
import type { IndexMeta, SearchHit } from '../../src/store/vector-store.js';
import { chunk, file, tempIndex } from './embedded-fixtures.js';

const DIMS = 256;
const META: IndexMeta = { provider: 'test', model: 'bits', dimensions: DIMS };

let seed = 7;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const centres = Array.from({ length: 40 }, () => unit(Array.from({ length: DIMS }, gauss)));
const near = () => unit(centres[Math.floor(rnd() * centres.length)]!.map((x) => x + (1.2 * gauss()) / Math.sqrt(DIMS)));

/** `files` files of `per` chunks each, every chunk with a vector near one of the centres. */
function corpus(files: number, per: number, tag = '') {
  return Array.from({ length: files }, (_, f) =>
    file(`src/f${f}.ts`, Array.from({ length: per }, (_, c) => chunk(`src/f${f}.ts`, c * 3 + 1, `// chunk ${f}.${c}${tag}\nx()`, near()))),
  );
}

let t: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
});

function store(vectorExtension: boolean, warnings: string[] = []): EmbeddedStore {
  const s = new EmbeddedStore({ path: t.path, writeThread: null, vectorExtension, onWarning: (m) => warnings.push(m) });
  t.stores.push(s);
  return s;
}

/** What the file holds: chunks with vectors, rows of the bit table, and what meta says of it. */
function layout(): { vectors: number[]; bits: number[] | null; state: string | null } {
  const db = new Database(t.path, { readonly: true });
  try {
    db.loadExtension(getLoadablePath());
    const vectors = db.prepare('SELECT rowid FROM chunks WHERE vector IS NOT NULL ORDER BY rowid').pluck().all() as number[];
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunk_bits'").get() !== undefined;
    const bits = exists ? (db.prepare('SELECT rowid FROM chunk_bits ORDER BY rowid').pluck().all() as number[]) : null;
    const state = (db.prepare('SELECT vector_index FROM meta WHERE id = 1').get() as { vector_index: string | null }).vector_index;
    return { vectors, bits, state };
  } finally {
    db.close();
  }
}

const key = (h: SearchHit) => `${h.path}:${h.startLine}`;

describe('EmbeddedStore: the dense index in sqlite-vec', () => {
  it('keeps the bits of every stored vector in the same writes as the chunks: rewrites and deletes too', async () => {
    const s = store(true);
    await s.open(META, { rebuild: false });
    await s.writeFiles(corpus(20, 4));
    await s.writeFiles(corpus(6, 3, ' rewritten')); // f0..f5 rewritten: new chunks, old ones gone
    await s.deleteFiles(['src/f10.ts', 'src/f11.ts']);
    await s.close();
    const after = layout();
    expect(after.state).toBe('bits');
    expect(after.vectors.length).toBe(6 * 3 + 12 * 4);
    expect(after.bits).toEqual(after.vectors);
  });

  it('answers exactly as the scan when the candidates cover the index', async () => {
    const s = store(true);
    await s.open(META, { rebuild: false });
    await s.writeFiles(corpus(12, 5)); // 60 chunks: fewer than the least candidates asked for
    await s.close();
    const withBits = store(true);
    const scan = store(false);
    // Each answers its own way: the bit table, and every vector.
    expect((await withBits.status()).denseEngine).toBe('sqlite-vec');
    expect((await scan.status()).denseEngine).toBe('scan');
    for (let q = 0; q < 10; q++) {
      const query = { text: '', vector: Float32Array.from(near()), limit: 8 };
      const a = await withBits.search(query);
      const b = await scan.search(query);
      expect(a.map(key)).toEqual(b.map(key));
    }
  });

  it('finds what the scan finds on a larger index (recall@10 against it)', async () => {
    const s = store(true);
    await s.open(META, { rebuild: false });
    for (let i = 0; i < 5; i++) await s.writeFiles(corpus(100, 10, ` part ${i}`).map((f) => ({ ...f, path: `p${i}/${f.path}`, chunks: f.chunks.map((c) => ({ ...c, path: `p${i}/${c.path}`, id: `${i}-${c.id}` })) })));
    await s.close();
    const withBits = store(true);
    const scan = store(false);
    expect((await withBits.status()).denseEngine).toBe('sqlite-vec');
    let found = 0;
    const queries = 20;
    for (let q = 0; q < queries; q++) {
      const query = { text: '', vector: Float32Array.from(near()), limit: 10 };
      const truth = (await scan.search(query)).map(key);
      const got = new Set((await withBits.search(query)).map(key));
      found += truth.filter((k) => got.has(k)).length;
    }
    expect(layout().bits).toHaveLength(5000);
    expect(found / (10 * queries)).toBeGreaterThanOrEqual(0.95);
  });

  it('is built for an index that has none, marked stale by a writer that cannot keep it, and rebuilt by the next that can', async () => {
    const without = store(false);
    await without.open(META, { rebuild: false });
    await without.writeFiles(corpus(10, 3));
    await without.close();
    expect(layout()).toMatchObject({ bits: null, state: null });

    const built = store(true);
    await built.open(META, { rebuild: false });
    await built.close();
    let now = layout();
    expect(now.state).toBe('bits');
    expect(now.bits).toEqual(now.vectors);

    const stale = store(false);
    await stale.open(META, { rebuild: false });
    await stale.writeFiles(corpus(14, 3, ' more')); // the table is not kept by this writer
    await stale.close();
    now = layout();
    expect(now.state).toBeNull();
    expect(now.bits).not.toEqual(now.vectors);
    // A reader does not use a stale table: the scan answers.
    const reader = store(true);
    expect((await reader.status()).denseEngine).toBe('scan');
    const query = { text: '', vector: Float32Array.from(near()), limit: 5 };
    expect((await reader.search(query)).map(key)).toEqual((await store(false).search(query)).map(key));

    const rebuilt = store(true);
    await rebuilt.open(META, { rebuild: false });
    await rebuilt.close();
    now = layout();
    expect(now.state).toBe('bits');
    expect(now.bits).toEqual(now.vectors);
  });

  it('where the extension does not load: one line saying so, and the scan answers', async () => {
    const warnings: string[] = [];
    const s = store(false, warnings);
    await s.open(META, { rebuild: false });
    await s.writeFiles(corpus(5, 3));
    expect((await s.search({ text: '', vector: Float32Array.from(near()), limit: 3 })).length).toBe(3);
    await s.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^sqlite-vec: .*CODEWEAVER_SQLITE_VEC=off — dense search scans every stored vector/);
  });

  it('CODEWEAVER_SQLITE_VEC takes on or off, and says what it takes otherwise', () => {
    expect(readEnvKnobs({}).sqliteVec).toBe(true);
    expect(readEnvKnobs({ CODEWEAVER_SQLITE_VEC: 'off' }).sqliteVec).toBe(false);
    expect(() => readEnvKnobs({ CODEWEAVER_SQLITE_VEC: 'maybe' })).toThrow(ConfigError);
    expect(() => readEnvKnobs({ CODEWEAVER_SQLITE_VEC: 'maybe' })).toThrow(/CODEWEAVER_SQLITE_VEC: expected on or off, got "maybe"/);
  });
});
