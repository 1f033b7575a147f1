// The embedded store's side of filling vectors in behind a run (pipeline/vector-fill.ts): texts
// of chunks stored without a vector, one per content hash, walked once in content-hash order by a
// cursor, and each vector stored on every chunk of its text.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/chunking/chunk.js';
import type { EmbeddedStore } from '../../src/store/embedded.js';
import type { FileWrite, IndexMeta } from '../../src/store/vector-store.js';
import { chunk, file, tempIndex } from './embedded-fixtures.js';

const META: IndexMeta = { provider: 'test', model: 'fill', dimensions: 3 };
let t: ReturnType<typeof tempIndex>;
beforeEach(() => {
  t = tempIndex();
});
afterEach(async () => {
  await t.cleanup();
});

/** 10 files; each holds its own text and one text every file shares. */
const files = (): FileWrite[] => Array.from({ length: 10 }, (_, f) => file(`f${f}.ts`, [chunk(`f${f}.ts`, 1, `function f${f}() {}`), chunk(`f${f}.ts`, 5, 'const shared = 1;')]));
const TEXTS = [...Array.from({ length: 10 }, (_, f) => `function f${f}() {}`), 'const shared = 1;'];
const byHash = (texts: string[]) => [...texts].sort((a, b) => (sha256Hex(a) < sha256Hex(b) ? -1 : 1));

/** Every batch of texts a fill would take, in order, nothing filled between them. */
async function walk(s: EmbeddedStore, limit: number): Promise<string[][]> {
  const batches: string[][] = [];
  let cursor = '';
  for (;;) {
    const batch = await s.chunksWithoutVectors(limit, cursor);
    if (batch.rows.length === 0) return batches;
    expect(batch.cursor > cursor).toBe(true);
    cursor = batch.cursor;
    batches.push(batch.rows.map((r) => r.content));
  }
}

describe('EmbeddedStore: vectors filled in behind', () => {
  it('walks the unfilled texts once by cursor: each batch goes on from the last, a text shared by chunks comes once, and each fill covers every chunk of it', async () => {
    const s = t.make();
    await s.open(META, { rebuild: false });
    await s.writeFiles(files());
    expect(await s.countWithoutVectors()).toBe(20);

    // Nothing is filled between the batches here: only the cursor moves the walk on.
    const seen = (await walk(s, 4)).flat();
    expect(seen).toEqual(byHash(TEXTS)); // every text once, never twice in a batch or across them

    // Filled as the pipeline does: a text's vector lands on every chunk of it (the shared one: 10).
    const first = await s.chunksWithoutVectors(2, '');
    const taken = first.rows.map((r) => r.content);
    expect(taken).toEqual(byHash(TEXTS).slice(0, 2));
    const filled = await s.fillVectors(new Map(first.rows.map((r) => [r.contentHash, Float32Array.from([1, 0, 0])])));
    expect(filled).toBe(taken.reduce((n, text) => n + (text === 'const shared = 1;' ? 10 : 1), 0));
    const rest = await s.chunksWithoutVectors(100, first.cursor);
    expect(rest.rows.map((r) => r.content)).toEqual(byHash(TEXTS).slice(2));
    expect(await s.countWithoutVectors()).toBe(20 - filled);
  });

  it('takes the same batches whatever order the run wrote its files in (a model batched otherwise would differ in its last bits)', async () => {
    const forward = t.make();
    await forward.open(META, { rebuild: false });
    await forward.writeFiles(files());
    const a = await walk(forward, 3);
    await forward.close();

    const other = tempIndex();
    try {
      const backward = other.make();
      await backward.open(META, { rebuild: false });
      for (const f of files().reverse()) await backward.writeFiles([f]);
      expect(await walk(backward, 3)).toEqual(a);
    } finally {
      await other.cleanup();
    }
  });
});
