#!/usr/bin/env node
// The embedded store's hot spots, each old way against new, side by side in one run.
// Run by hand after `npm run build`:  node bench/store-micro-bench.mjs [index.sqlite]
//
// - terms: the former matchAll over a Unicode regular expression against the scan in
//   src/store/ranking/terms.ts, on 800-character chunks of this project's sources and of
//   undici and zod (the old code is inlined below as the reference);
// - binding a chunk upsert by name against by position (in memory, 50 k rows);
// - writes of chunks with 1,024-dim vectors through the real ChunkWriter, with SQLite's
//   automatic checkpoints (as cw runs) and without (what checkpoints cost the writing thread);
// - with an index given (e.g. the one bench/startup-bench.mjs builds): lexical search joined to
//   the chunk table against not, and the vector count cw status skipped for a lexical index.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeTermsText, splitIdentifier } from '../dist/store/ranking/terms.js';
import { applyWritePragmas, migrate } from '../dist/store/embedded/schema.js';
import { ChunkWriter } from '../dist/store/embedded/writer.js';
import { median, rotatedRounds } from './measure.mjs';

const root = path.resolve(import.meta.dirname, '..');
const ROUNDS = 5;
const rows = [];
// Old and new alternate which goes first, round by round.
const pair = (what, unit, per, oldFn, newFn, labels = ['old', 'new']) => {
  const times = rotatedRounds({ old: oldFn, new: newFn }, ROUNDS);
  const a = times.get('old');
  const b = times.get('new');
  rows.push({ what, [labels[0]]: `${(median(a) / per).toFixed(unit === 'µs' ? 1 : 2)} ${unit}`, [labels[1]]: `${(median(b) / per).toFixed(unit === 'µs' ? 1 : 2)} ${unit}`, ratio: +(median(a) / median(b)).toFixed(2) });
};

// Terms.
const chunks = [];
for (const dir of ['src/pipeline', 'src/store', 'src/http', 'src/cli/commands', 'node_modules/undici/lib/dispatcher', 'node_modules/zod/v4/core']) {
  for (const f of readdirSync(path.join(root, dir))) {
    if (!/\.(ts|js)$/.test(f)) continue;
    const text = readFileSync(path.join(root, dir, f), 'utf8');
    for (let i = 0; i < text.length; i += 800) chunks.push(text.slice(i, i + 800));
  }
}
const oldCache = new Map();
function oldTerms(text) {
  const out = [];
  for (const [word] of text.matchAll(/[\p{L}\p{N}_$]+/gu)) {
    if (word.length > 64) continue;
    let terms = oldCache.get(word);
    if (!terms) {
      const parts = splitIdentifier(word);
      const whole = word.toLowerCase();
      terms = parts.length > 1 ? [whole, ...parts.map((p) => p.toLowerCase())] : [whole];
      oldCache.set(word, terms);
    }
    for (const t of terms) out.push(t);
  }
  return out.join(' ');
}
for (const c of chunks) if (oldTerms(c) !== codeTermsText(c)) throw new Error('the two term functions disagree');
pair(`FTS text of a chunk (${chunks.length} chunks of 800 chars)`, 'µs', chunks.length / 1000, () => chunks.forEach(oldTerms), () => chunks.forEach(codeTermsText), ['matchAll', 'scan']);

// Binding by name or position.
{
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id TEXT UNIQUE, a, b, c, d, e, f, g, h, i, j)');
  const named = db.prepare('INSERT INTO t VALUES (@id, @a, @b, @c, @d, @e, @f, @g, @h, @i, @j) ON CONFLICT(id) DO UPDATE SET a = excluded.a RETURNING rowid');
  const positional = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET a = excluded.a RETURNING rowid').pluck();
  let n = 0;
  const N = 50_000;
  pair(
    'chunk upsert, binding (in memory, per row)',
    'µs',
    N / 1000,
    () => db.transaction(() => { for (let k = 0; k < N; k++) named.get({ id: `n${n++}`, a: 1, b: 'x', c: 2, d: 3, e: 'y', f: 'z', g: 9, h: null, i: null, j: 'content' }); })(),
    () => db.transaction(() => { for (let k = 0; k < N; k++) positional.get(`p${n++}`, 1, 'x', 2, 3, 'y', 'z', 9, null, null, 'content'); })(),
    ['by name', 'by position'],
  );
}

// Writes with vectors: checkpoints on the writing thread, or none.
{
  const vectors = Array.from({ length: 64 }, () => Float32Array.from({ length: 1024 }, () => Math.random() - 0.5));
  const N = Number(process.env.MICRO_WRITES ?? 8000);
  let run = 0;
  const write = (autocheckpoint) => () => {
    const file = path.join(os.tmpdir(), `cw-micro-${process.pid}-${run++}.sqlite`);
    const db = new Database(file);
    applyWritePragmas(db);
    db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
    migrate(db, file);
    db.prepare("INSERT INTO meta (id, provider, model, dimensions, created_at) VALUES (1, 'bench', 'bench', 1024, 'now')").run();
    const writer = new ChunkWriter(db, 1024, { transactions: 0, rows_written: 0, rows_deleted: 0 });
    for (let k = 0; k < N; ) {
      const files = [];
      for (let f = 0; f < 40 && k < N; f++) {
        const list = [];
        for (let c = 0; c < 6 && k < N; c++, k++) {
          list.push({ id: `${run}-${k}-${'x'.repeat(40)}`, startLine: 1, endLine: 30, language: 'typescript', symbol: `sym${k}`, contentHash: `h${run}-${k}`, tokens: 200, content: chunks[k % chunks.length], vector: vectors[k % 64] });
        }
        files.push({ path: `d${k >> 8}/f${k}.ts`, fileHash: `fh${k}`, language: 'typescript', chunks: list, stat: null });
      }
      writer.write(files, 'now');
    }
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  };
  pair(`writes of chunks with 1,024-dim vectors (${N}, per chunk)`, 'µs', N / 1000, write(1000), write(0), ['checkpoints (as cw)', 'no checkpoints']);
}

// Against an existing index.
const index = process.argv[2];
if (index) {
  const db = new Database(index, { readonly: true });
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 268435456');
  const match = '"retry" OR "after" OR "a" OR "timeout"';
  const joined = db.prepare(`SELECT f.rowid, bm25(chunks_fts, 1.0, 2.0, 0.5) AS rank FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 10`);
  const alone = db.prepare(`SELECT rowid, bm25(chunks_fts, 1.0, 2.0, 0.5) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 10`);
  pair(`lexical search "retry after a timeout" (${db.prepare('SELECT count(*) FROM chunks').pluck().get()} chunks)`, 'ms', 1, () => joined.all(match), () => alone.all(match), ['joined', 'FTS alone']);
  const count = db.prepare('SELECT count(*) FROM chunks WHERE vector IS NOT NULL').pluck();
  pair('cw status: counting vectors', 'ms', 1, () => count.get(), () => {}, ['counted', 'skipped (lexical)']);
}

console.table(rows);
console.log(`medians of ${ROUNDS} rounds, alternating; node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}`);
