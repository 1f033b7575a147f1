#!/usr/bin/env node
// What it costs the vector fill (pipeline/vector-fill.ts) to find its next batch of texts without
// a vector, on an embedded index of N chunks written the way a deferred run writes them (no
// vectors), side by side in one run:
//  - old: one GROUP BY over every unfilled chunk per batch (what the fill did first), timed per
//    batch with 0%, 50% and 99% of the chunks filled;
//  - new: the store's own chunksWithoutVectors, a cursor walk in content-hash order on the
//    chunks_content_hash index, timed over the whole walk (every batch of 64) from 0% and 50%.
//
//   npm run build && node bench/fill-walk-bench.mjs [--chunks 100000]
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { EmbeddedStore } from '../dist/store/embedded.js';
import { sha256Hex } from '../dist/chunking/chunk.js';

const { values } = parseArgs({ options: { chunks: { type: 'string', default: '100000' } } });
const N = Number(values.chunks);
const BATCH = 64; // FILL_BATCH
const DIMS = 384;
const dir = path.join(os.tmpdir(), `cw-fill-walk-${process.pid}`);
const file = path.join(dir, '.codeweaver', 'index.sqlite');
const META = { provider: 'bench', model: 'fill', dimensions: DIMS };

// N chunks of ~1.5 KB in files of 20, no vectors: what a deferred run leaves.
const store = new EmbeddedStore({ path: file, writeThread: null });
await store.open(META, { rebuild: false });
const body = 'const value = computeResult(input, options); // handle the request\n'.repeat(22);
for (let k = 0; k < N; ) {
  const files = [];
  for (let f = 0; f < 50 && k < N; f++) {
    const p = `src/d${k >> 10}/f${k}.ts`;
    const chunks = [];
    for (let c = 0; c < 20 && k < N; c++, k++) {
      const content = `${body}// ${k}\n`;
      chunks.push({ id: sha256Hex(`${p}:${k}`), path: p, language: 'typescript', startLine: c * 30 + 1, endLine: c * 30 + 30, content, contentHash: sha256Hex(content), symbol: null, tokens: 400, vector: null });
    }
    files.push({ path: p, fileHash: sha256Hex(p), language: 'typescript', chunks });
  }
  await store.writeFiles(files);
}
await store.close();

const vector = Buffer.alloc(DIMS * 4);
const db = new Database(file);
const fillFirst = (fraction, order) =>
  db.prepare(`UPDATE chunks SET vector = CASE WHEN rowid IN (SELECT rowid FROM chunks ORDER BY ${order} LIMIT ?) THEN ? ELSE NULL END`).run(Math.floor(N * fraction), vector);
const groupBy = db.prepare('SELECT content_hash, content, tokens FROM chunks WHERE vector IS NULL GROUP BY content_hash ORDER BY min(rowid) LIMIT ?').raw();
const old = [];
for (const fraction of [0, 0.5, 0.99]) {
  fillFirst(fraction, 'rowid');
  groupBy.all(BATCH); // warm
  const t = performance.now();
  for (let i = 0; i < 10; i++) groupBy.all(BATCH);
  old.push(`${fraction * 100}% filled: ${((performance.now() - t) / 10).toFixed(1)} ms`);
}

async function walk(fraction) {
  fillFirst(fraction, 'content_hash');
  const s = new EmbeddedStore({ path: file, writeThread: null });
  await s.open(META, { rebuild: false });
  let cursor = '';
  let batches = 0;
  const t = performance.now();
  for (;;) {
    const batch = await s.chunksWithoutVectors(BATCH, cursor);
    if (batch.rows.length === 0) break;
    cursor = batch.cursor;
    batches++;
  }
  const ms = performance.now() - t;
  await s.close();
  return `from ${fraction * 100}% filled: ${batches} batches in ${ms.toFixed(0)} ms (${(ms / batches).toFixed(2)} ms a batch)`;
}
const fresh = await walk(0);
const half = await walk(0.5);
db.close();
rmSync(dir, { recursive: true, force: true });

console.log(`${N.toLocaleString('en')} chunks, batches of ${BATCH}`);
console.log(`old, GROUP BY per batch: ${old.join('; ')}`);
console.log(`new, the store's cursor walk: ${fresh}; ${half}`);
