#!/usr/bin/env node
// The onnx provider's cost on this machine, with a model of a real small encoder's shape.
//
//   npm run build && node bench/onnx-bench.mjs [--shape minilm|bge-small|granite-small] [--model DIR] [--repo DIR] [--threads N]
//
// --model: a model directory of your own instead of a shape (a real model's files, or a variant
// such as an int8 export of a shape).
//
// No model hub is reachable here, so the weights are random, in a real model's shape:
//  - minilm, bge-small: bench/make-bert-shaped-onnx.py, an encoder of all-MiniLM-L6-v2's shape
//    (6 layers) or bge-small-en-v1.5's (12): hidden 384, 12 heads, 1,536 intermediate, 30,522
//    word pieces;
//  - granite-small (the default model's): bench/make-modernbert-shaped-onnx.py, transformers'
//    ModernBertModel in granite-embedding-small-english-r2's shape (12 layers × 384, alternating
//    local and global attention, 50,368 byte-level BPE tokens), exported as the ONNX community does.
// Compute, threads and memory do not depend on the weights' values. Two measurements:
//  1. `cw index --provider onnx` of a repository (default: this one's src/ and test/) from scratch,
//     under /usr/bin/time: chunks embedded per second of the run, CPU/wall over the run, peak RSS,
//     and when every chunk was written (lexically searchable; the vectors are filled after);
//  2. in process, the model loaded: one short query embedded, 50 times: p50 and p95;
//  3. a whole issue pasted as a query (60 KB), 5 times: the median.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { shape: { type: 'string', default: 'minilm' }, model: { type: 'string' }, repo: { type: 'string' }, threads: { type: 'string' } } });
const SHAPES = {
  minilm: { label: "BERT, 6 layers × 384: all-MiniLM-L6-v2's shape", script: 'make-bert-shaped-onnx.py', args: ['--layers', '6'] },
  'bge-small': { label: "BERT, 12 layers × 384: bge-small-en-v1.5's shape", script: 'make-bert-shaped-onnx.py', args: ['--layers', '12'] },
  'granite-small': { label: "ModernBERT, 12 layers × 384: granite-embedding-small-english-r2's shape (the default)", script: 'make-modernbert-shaped-onnx.py', args: [] },
};
const shape = values.model ? { label: path.resolve(values.model) } : SHAPES[values.shape];
if (!shape) throw new Error(`--shape: one of ${Object.keys(SHAPES).join(', ')}`);
const modelDir = values.model ? path.resolve(values.model) : path.join(os.tmpdir(), `cw-shaped-${values.shape}`);
if (!existsSync(path.join(modelDir, 'onnx', 'model.onnx'))) {
  execFileSync('python3', [path.join(ROOT, 'bench', shape.script), modelDir, ...shape.args], { stdio: 'inherit' });
}

// 1. A whole run from scratch.
const repo = values.repo ?? (() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cw-onnx-bench-'));
  for (const d of ['src', 'test/e2e', 'test/reliability']) cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  return dir;
})();
rmSync(path.join(repo, '.codeweaver'), { recursive: true, force: true });
const threadsFlag = values.threads ? { CW_BENCH_THREADS: values.threads } : {};
const config = JSON.stringify({ embedding: { provider: 'onnx', model: modelDir, ...(values.threads ? { threads: Number(values.threads) } : {}), concurrency: 2 } });
execFileSync('sh', ['-c', `printf '%s' '${config}' > ${path.join(repo, 'codeweaver.config.json')}`]);
// The same tree indexed lexically first, in the same run: what "as fast as a lexical run" is measured against.
const lexicalRepo = mkdtempSync(path.join(os.tmpdir(), 'cw-onnx-bench-lexical-'));
cpSync(repo, lexicalRepo, { recursive: true, filter: (p) => !p.includes('.codeweaver') && !p.endsWith('codeweaver.config.json') });
const lexicalStart = performance.now();
const lexical = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cw.js'), 'index', lexicalRepo, '--quiet'], { encoding: 'utf8' });
if (lexical.status !== 0) throw new Error(lexical.stderr);
const lexicalSeconds = (performance.now() - lexicalStart) / 1000;
rmSync(lexicalRepo, { recursive: true, force: true });

const startedAt = Date.now();
const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, path.join(ROOT, 'bin', 'cw.js'), 'index', repo, '--json'], {
  encoding: 'utf8',
  // Heartbeats every 0.1 s: the first `vectors` line marks every chunk written (lexically searchable).
  env: { ...process.env, ...threadsFlag, CODEWEAVER_PROGRESS_SECONDS: '0.1' },
});
if (run.status !== 0) throw new Error(run.stderr);
const firstFill = run.stderr.split('\n').find((l) => / vectors · /.test(l));
const searchableAfter = firstFill ? (Date.parse(firstFill.slice(0, 24)) - startedAt) / 1000 : null;
const [wall, user, sys, maxKb] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
const summary = JSON.parse(run.stdout);
const embedded = summary.chunks.embedded;

// 2. Query latency, the model loaded once.
const { OnnxEmbedder } = await import(path.join(ROOT, 'dist', 'embedding', 'onnx', 'onnx-embedder.js'));
const embedder = new OnnxEmbedder({ model: modelDir, env: process.env, hub: null, threads: values.threads ? Number(values.threads) : undefined });
await embedder.init();
for (let i = 0; i < 5; i++) await embedder.embed(['warm up the session'], 'query');
const times = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  await embedder.embed([`where are retries with exponential backoff scheduled ${i}`], 'query');
  times.push(performance.now() - t);
}
// 3. A whole issue pasted as a query (60 KB; `cw search -` reads up to 1 MiB): read up to
// the embedder's input limit (MAX_INPUT_TOKENS), whatever the model's own.
const pasted = Array.from({ length: 1500 }, (_, i) => `value${i % 97} = compute(request, timeout=${i})`).join('\n');
const long = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await embedder.embed([`${i} ${pasted}`], 'query');
  long.push(performance.now() - t);
}
long.sort((a, b) => a - b);
await embedder.close();
times.sort((a, b) => a - b);

console.log(`model: ${shape.label}${values.model ? '' : ', random weights'}; ${os.availableParallelism()} cores`);
console.log(`index: ${summary.files.indexed} files, ${embedded} chunks embedded in ${wall.toFixed(1)} s → ${(embedded / wall).toFixed(1)} chunks/s; CPU/wall ${((user + sys) / wall).toFixed(2)}; peak RSS ${Math.round(maxKb / 1024)} MB`);
console.log(`lexically searchable after ~${searchableAfter === null ? '?' : searchableAfter.toFixed(1)} s (every chunk written; the vectors then filled behind); a lexical run of the same tree: ${lexicalSeconds.toFixed(2)} s`);
console.log(`query: p50 ${times[25].toFixed(1)} ms, p95 ${times[47].toFixed(1)} ms (model loaded)`);
console.log(`a pasted issue of ${Math.round(pasted.length / 1000)} KB as a query: median ${long[2].toFixed(0)} ms (read up to ${embedder.limits.maxInputTokens} tokens)`);
