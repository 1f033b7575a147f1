// Dense search in the embedded store, in process (issue 25): an index of N synthetic chunks with
// D-dimension unit vectors (clustered, as embeddings of code are), then Q queries near stored
// vectors through EmbeddedStore.search (dense only: a lexical match on nothing). Reports build
// time, file size, query p50/p90 and peak RSS; with --exact, recall@10 of the store's answers
// against the same index searched by a scan of every vector (exact cosine). Run by hand:
//
//   npm run build && node bench/dense-search-bench.mjs [N=100000] [D=1024] [--queries 30] [--exact] [--scan]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { EmbeddedStore } from '../dist/store/embedded.js';

const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
const N = Number(positional[0] ?? 100_000);
const D = Number(positional[1] ?? 1024);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const Q = flag('--queries', 30);
const exact = args.includes('--exact');
// --scan: without sqlite-vec, as where it cannot load (today's engine before issue 25).
const scan = args.includes('--scan');

// xorshift32: 32-bit integer arithmetic (an LCG in doubles loses its low bits and repeats).
let seed = 42;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
const unit = (a) => {
  let s = 0;
  for (const x of a) s += x * x;
  s = Math.sqrt(s);
  return a.map((x) => x / s);
};
const centers = Array.from({ length: Math.max(1, Math.floor(N / 100)) }, () => unit(Float32Array.from({ length: D }, gauss)));
const near = () => unit(Float32Array.from(centers[Math.floor(rnd() * centers.length)], (x) => x + (1.2 * gauss()) / Math.sqrt(D)));

const dir = mkdtempSync(path.join(os.tmpdir(), 'cw-dense-bench-'));
const file = path.join(dir, 'index.sqlite');
try {
  const store = new EmbeddedStore({ path: file, writeThread: null, vectorExtension: !scan });
  await store.open({ provider: 'bench', model: 'synthetic', dimensions: D }, { rebuild: false });
  let t = performance.now();
  const FILE_CHUNKS = 20;
  for (let f = 0; f < N / FILE_CHUNKS; f++) {
    const p = `src/m${Math.floor(f / 100)}/f${f}.ts`;
    const chunks = [];
    for (let c = 0; c < FILE_CHUNKS; c++) {
      const v = near();
      const content = `// chunk ${f}.${c}`;
      const contentHash = createHash('sha256').update(content).digest('hex');
      chunks.push({ id: createHash('sha256').update(`${p}:${c}`).digest('hex').slice(0, 32), path: p, language: 'typescript', startLine: c + 1, endLine: c + 1, content, contentHash, symbol: null, tokens: 4, vector: v });
    }
    await store.writeFiles([{ path: p, fileHash: createHash('sha256').update(p).digest('hex'), language: 'typescript', chunks }]);
  }
  const buildMs = performance.now() - t;
  await store.close();

  const reader = new EmbeddedStore({ path: file, writeThread: null, vectorExtension: !scan });
  // The exact answer: the same index searched by a scan of every stored vector.
  const exactReader = exact ? new EmbeddedStore({ path: file, writeThread: null, vectorExtension: false }) : null;
  const queries = Array.from({ length: Q }, near);
  const times = [];
  let found = 0;
  for (const q of queries) {
    t = performance.now();
    const hits = await reader.search({ text: '', vector: q, limit: 10 });
    times.push(performance.now() - t);
    if (exactReader) {
      const key = (h) => `${h.path}:${h.startLine}`;
      const truth = (await exactReader.search({ text: '', vector: q, limit: 10 })).map(key);
      const got = new Set(hits.map(key));
      found += truth.filter((k) => got.has(k)).length;
    }
  }
  await reader.close();
  await exactReader?.close();
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  console.log(`${N.toLocaleString('en')} chunks x ${D} dims: built in ${(buildMs / 1000).toFixed(1)} s, file ${(statSync(file).size / 1e6).toFixed(0)} MB`);
  console.log(`dense query (in process, limit 10): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms over ${Q} queries; peak RSS of the process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB${exactReader ? `; recall@10 against the scan ${(found / (10 * Q)).toFixed(3)}` : ''}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
