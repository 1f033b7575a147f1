#!/usr/bin/env node
// Indexing throughput and memory with the embedded default (local lexical provider).
// Run by hand after `npm run build`:  node bench/index-bench.mjs [copies...]
// Builds corpora from this project's own node_modules (renamed, since node_modules is skipped by
// default): 1 copy and N copies, indexes each from scratch, then reruns with no change.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyNodeModules } from './corpus.mjs';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'cw.js');
const copies = process.argv.slice(2).map(Number).filter((n) => n > 0);
const sizes = copies.length ? copies : [1, 4];
const work = path.join(os.tmpdir(), 'cw-bench-index');

function corpus(n) {
  const dir = path.join(work, `corpus-x${n}`);
  if (!existsSync(dir)) {
    for (let i = 0; i < n; i++) copyNodeModules(path.join(dir, `pkgs${i}`));
  }
  rmSync(path.join(dir, '.codeweaver'), { recursive: true, force: true });
  return dir;
}

function index(dir) {
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [cli, 'index', dir, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  return { ...JSON.parse(out), wall_ms: wall };
}

mkdirSync(work, { recursive: true });
const rows = [];
for (const n of sizes) {
  const dir = corpus(n);
  const first = index(dir);
  const again = index(dir);
  const s = first.duration_ms / 1000;
  rows.push({
    corpus: `node_modules x${n}`,
    files: first.files.scanned,
    MB: +(first.bytes_read / 1e6).toFixed(1),
    chunks: first.chunks.written,
    seconds: +s.toFixed(2),
    'files/s': Math.round(first.files.scanned / s),
    'MB/s': +(first.bytes_read / 1e6 / s).toFixed(1),
    'chunks/s': Math.round(first.chunks.written / s),
    'peak RSS MB': Math.round(first.peak_rss_bytes / 1e6),
    'rerun s': +(again.duration_ms / 1000).toFixed(2),
    'rerun written': again.chunks.written,
    'rerun peak RSS MB': Math.round(again.peak_rss_bytes / 1e6),
  });
}
console.table(rows);
console.log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model}`);
