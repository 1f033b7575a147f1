// The embedded store's side of filling vectors in behind a run (pipeline/vector-fill.ts): texts
// of chunks stored without a vector, one per content hash, walked once in store order by a
// cursor, and each vector stored on every chunk of its text.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndexMeta } from '../../src/store/vector-store.js';
import { chunk, file, tempIndex } from './embedded-fixtures.js';

const META: IndexMeta = { provider: 'test', model: 'fill', dimensions: 3 };
let t: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
});

describe('EmbeddedStore: vectors filled in behind', () => {
  it('walks the unfilled texts once by cursor: each batch goes on from the last, a text shared by chunks comes once, and each fill covers every chunk of it', async () => {
    const s = t.make();
    await s.open(META, { rebuild: false });
    // 10 files; each holds its own text and one text every file shares (content hash "shared").
    await s.writeFiles(Array.from({ length: 10 }, (_, f) => file(`f${f}.ts`, [chunk(`f${f}.ts`, 1, `function f${f}() {}`), chunk(`f${f}.ts`, 5, 'const shared = 1;')])));
    expect(await s.countWithoutVectors()).toBe(20);

    const seen: string[] = [];
    let cursor = 0;
    for (;;) {
      // Nothing is filled between the batches here: only the cursor moves the walk on.
      const batch = await s.chunksWithoutVectors(4, cursor);
      if (batch.rows.length === 0) break;
      expect(batch.cursor).toBeGreaterThan(cursor);
      cursor = batch.cursor;
      const texts = batch.rows.map((r) => r.content);
      expect(new Set(texts).size).toBe(texts.length); // never a text twice in one batch
      seen.push(...texts);
    }
    // Every text comes, each file's own once (the shared one may come again in a later batch:
    // nothing was filled here; a real fill has covered it by then).
    expect(new Set(seen)).toEqual(new Set([...Array.from({ length: 10 }, (_, f) => `function f${f}() {}`), 'const shared = 1;']));
    expect(seen.filter((c) => c.startsWith('function')).length).toBe(10);

    // Filled as the pipeline does: the shared text's vector lands on all 10 of its chunks.
    const first = await s.chunksWithoutVectors(2, 0);
    const filled = await s.fillVectors(new Map(first.rows.map((r) => [r.contentHash, Float32Array.from([1, 0, 0])])));
    expect(first.rows.map((r) => r.content)).toEqual(['function f0() {}', 'const shared = 1;']);
    expect(filled).toBe(11);
    const rest = await s.chunksWithoutVectors(100, first.cursor);
    expect(rest.rows.map((r) => r.content)).toEqual(Array.from({ length: 9 }, (_, f) => `function f${f + 1}() {}`));
    expect(await s.countWithoutVectors()).toBe(9);
  });
});
