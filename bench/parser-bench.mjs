#!/usr/bin/env node
// Native against WASM parsing in the whole lexical pipeline, paired: the same corpus, fresh
// index each time, indexing.parser 'auto' and 'wasm' alternating (the first run of each round
// swaps), then medians. Also checks that both give exactly the same chunks (ids, symbols), and
// times a bare single-thread WASM parse of the same files in each round (bench/bare-parse.mjs).
// CODEWEAVER_CHUNK_THREADS is passed on to cw.
// Run by hand after `npm run build`:  node bench/parser-bench.mjs [copies] [rounds]
// The corpus is bench/corpus.mjs's, copied `copies` times.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { copyNodeModules } from './corpus.mjs';
import { median } from './measure.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'cw.js');
const copies = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 3);
const work = path.join(os.tmpdir(), 'cw-bench-parser');

function corpus(n) {
  const dir = path.join(work, `corpus-x${n}`);
  if (!existsSync(dir)) {
    for (let i = 0; i < n; i++) copyNodeModules(path.join(dir, `pkgs${i}`));
  }
  return dir;
}

function chunkDigest(dir) {
  const db = new Database(path.join(dir, '.codeweaver', 'index.sqlite'), { readonly: true });
  const hash = createHash('sha256');
  for (const row of db.prepare('SELECT id, symbol FROM chunks ORDER BY id').iterate()) hash.update(`${row.id}\t${row.symbol}\n`);
  db.close();
  return hash.digest('hex').slice(0, 16);
}

function run(dir, parser) {
  rmSync(path.join(dir, '.codeweaver'), { recursive: true, force: true });
  const config = path.join(work, `config-${parser}.json`);
  writeFileSync(config, JSON.stringify({ indexing: { parser } }));
  const out = JSON.parse(execFileSync(process.execPath, [cli, 'index', dir, '--json', '--config', config], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  return { seconds: out.duration_ms / 1000, rss: out.peak_rss_bytes / 1e6, chunks: out.chunks.written, files: out.files.scanned, digest: chunkDigest(dir) };
}

function bare(dir) {
  const out = execFileSync(process.execPath, [path.join(import.meta.dirname, 'bare-parse.mjs'), dir, 'wasm'], { encoding: 'utf8' });
  return JSON.parse(out);
}


mkdirSync(work, { recursive: true });
const dir = corpus(copies);
const results = { auto: [], wasm: [] };
const bares = [];
for (let r = 0; r < rounds; r++) {
  for (const parser of r % 2 === 0 ? ['auto', 'wasm'] : ['wasm', 'auto']) {
    const res = run(dir, parser);
    results[parser].push(res);
    console.log(`round ${r + 1} ${parser}: ${res.seconds.toFixed(2)} s, ${res.chunks} chunks, peak ${res.rss.toFixed(0)} MB, chunks ${res.digest}`);
  }
  // The floor, in the same round: a bare single-thread WASM parse of the files just indexed.
  const b = bare(dir);
  bares.push(b.seconds);
  console.log(`round ${r + 1} bare WASM parse: ${b.seconds.toFixed(2)} s, ${b.parsed} of ${b.files} files parsed`);
}
const rows = Object.entries(results).map(([parser, rs]) => ({
  parser,
  files: rs[0].files,
  chunks: rs[0].chunks,
  'median s': +median(rs.map((x) => x.seconds)).toFixed(2),
  '× bare WASM parse': +(median(rs.map((x) => x.seconds)) / median(bares)).toFixed(2),
  'runs s': rs.map((x) => x.seconds.toFixed(2)).join(' '),
  'median peak RSS MB': Math.round(median(rs.map((x) => x.rss))),
  'max peak RSS MB': Math.round(Math.max(...rs.map((x) => x.rss))),
}));
console.table(rows);
console.log(`bare single-thread WASM parse of the same files: median ${median(bares).toFixed(2)} s (${bares.map((x) => x.toFixed(2)).join(' ')})`);
const digests = new Set([...results.auto, ...results.wasm].map((x) => x.digest));
console.log(digests.size === 1 ? 'same chunks on both back ends' : `CHUNKS DIFFER: ${[...digests].join(' ')}`);
console.log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}, corpus x${copies}`);
