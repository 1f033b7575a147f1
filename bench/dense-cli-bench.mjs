#!/usr/bin/env node
// Dense search as users meet it, on a real index built through a loopback provider: one corpus
// copy (bench/corpus.mjs, ~32,600 chunks) indexed three times, side by side in one run —
//   vec:  dense (1,024 dims), sqlite-vec on (today's default);
//   scan: dense, CODEWEAVER_SQLITE_VEC=off for indexing and searching (the scan of every vector);
//   lex:  lexical (local BM25).
// Reports each index run's time, chunks/s and file size; then `cw search` (a fresh process each
// time, rounds rotated) wall time and peak RSS (GNU time), and `cw mcp` `search_code` per call
// (one server per index over stdio, through the MCP SDK client), p50/p90.
//
//   npm run build && node bench/dense-cli-bench.mjs [--rounds 5] [--latency 5] [--mcp-calls 30]
//
// The loopback provider (bench/http-embed.mjs's HTTPS server, OpenAI wire format) answers after
// --latency ms, so a query's embedding costs what a nearby provider would.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { copyNodeModules } from './corpus.mjs';
import { median } from './measure.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    latency: { type: 'string', default: '5' },
    'mcp-calls': { type: 'string', default: '32' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const cw = path.join(root, 'bin', 'cw.js');
const work = path.join(os.tmpdir(), 'cw-bench-dense-cli');
const source = path.join(work, 'source');
if (!existsSync(source)) copyNodeModules(path.join(source, 'pkgs'));

const QUERIES = [
  'retry a request after a 429 with the Retry-After header',
  'parse command line options and print help',
  'validate a JSON schema object',
  'open a sqlite database and run a prepared statement',
  'walk a directory tree and ignore files',
  'convert a stream into a promise',
  'format a date as an ISO string',
  'compute a sha256 hash of a buffer',
];

const server = fork(fileURLToPath(new URL('./http-embed.mjs', import.meta.url)), [], {
  env: { ...process.env, HTTP_EMBED_BENCH_SERVER: '1', HTTP_EMBED_BENCH_LATENCY: values.latency, HTTP_EMBED_BENCH_VARIED: '1' },
  stdio: 'ignore',
});
server.channel?.unref?.();
const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
const env = (extra = {}) => ({
  ...process.env,
  OPENAI_API_KEY: 'bench',
  NODE_EXTRA_CA_CERTS: fileURLToPath(new URL('../test/fixtures/tls/cert.pem', import.meta.url)),
  ...extra,
});

const dense = { provider: 'openai', model: 'text-embedding-3-large', base_url: `https://localhost:${port}/v1`, dimensions: 1024, batch_size: 128, concurrency: 8 };
const variants = {
  vec: { embedding: dense, env: {} },
  scan: { embedding: dense, env: { CODEWEAVER_SQLITE_VEC: 'off' } },
  lex: { embedding: { provider: 'local' }, env: {} },
};

try {
  const built = [];
  for (const [name, v] of Object.entries(variants)) {
    const dir = path.join(work, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(source, dir, { recursive: true });
    v.dir = dir;
    v.config = path.join(work, `${name}.config.json`);
    writeFileSync(v.config, JSON.stringify({ embedding: v.embedding }));
    const out = execFileSync(process.execPath, [cw, 'index', dir, '--json', '--config', v.config], { encoding: 'utf8', maxBuffer: 64 << 20, env: env(v.env) });
    const s = JSON.parse(out);
    const file = path.join(dir, '.codeweaver', 'index.sqlite');
    built.push({
      index: name,
      chunks: s.chunks.written,
      seconds: +(s.duration_ms / 1000).toFixed(1),
      'chunks/s': Math.round(s.chunks.written / (s.duration_ms / 1000)),
      'file MB': +(statSync(file).size / 1e6).toFixed(1),
      'peak RSS MB': Math.round(s.peak_rss_bytes / 1e6),
    });
  }
  console.log('Index runs (one each, in this order):');
  console.table(built);

  // cw search: a fresh process per query, each round in a rotated order of the three indexes.
  const names = Object.keys(variants);
  const cli = Object.fromEntries(names.map((n) => [n, { ms: [], rss: [] }]));
  const rounds = Number(values.rounds);
  for (let r = 0; r < rounds; r++) {
    for (const [q, query] of QUERIES.entries()) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r + q) % names.length];
        const v = variants[name];
        const t = process.hrtime.bigint();
        const res = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cw, 'search', query, '--path', v.dir, '--json', '--config', v.config], {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
          env: env(v.env),
        });
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        if (res.status !== 0) throw new Error(`cw search on ${name}: ${res.stderr}`);
        cli[name].ms.push(ms);
        cli[name].rss.push(Number(res.stderr.trim().split('\n').at(-1)) / 1024);
      }
    }
  }
  const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
  console.log(`cw search (fresh process; ${rounds} rounds × ${QUERIES.length} queries, rotated):`);
  console.table(
    names.map((n) => ({
      index: n,
      'p50 ms': Math.round(median(cli[n].ms)),
      'p90 ms': Math.round(p90(cli[n].ms)),
      'vs lex p50': +(median(cli[n].ms) / median(cli.lex.ms)).toFixed(2),
      'peak RSS MB (max)': Math.round(Math.max(...cli[n].rss)),
    })),
  );

  // cw mcp: one server per index, calls alternating between them.
  const clients = {};
  for (const n of names) {
    const v = variants[n];
    const transport = new StdioClientTransport({ command: process.execPath, args: [cw, 'mcp', v.dir, '--config', v.config], env: env(v.env), stderr: 'ignore' });
    const client = new Client({ name: 'dense-cli-bench', version: '1' });
    await client.connect(transport);
    clients[n] = client;
  }
  // Each query's first call ranks it (to the depth of paging, 200 hits); a repeat within a
  // minute pages through the kept ranking. Both reported.
  const first = Object.fromEntries(names.map((n) => [n, []]));
  const repeat = Object.fromEntries(names.map((n) => [n, []]));
  const calls = Number(values['mcp-calls']);
  for (let c = 0; c < calls; c++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + c) % names.length];
      const t = process.hrtime.bigint();
      const res = await clients[n].callTool({ name: 'search_code', arguments: { query: QUERIES[c % QUERIES.length], limit: 10 } });
      if (res.isError) throw new Error(`search_code on ${n}: ${JSON.stringify(res.content)}`);
      (c < QUERIES.length ? first : repeat)[n].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  for (const client of Object.values(clients)) await client.close();
  console.log(`cw mcp search_code (${calls} calls per index, alternating; first call of each of ${QUERIES.length} queries, then repeats):`);
  console.table(
    names.map((n) => ({
      index: n,
      'first p50 ms': +median(first[n]).toFixed(1),
      'first p90 ms': +p90(first[n]).toFixed(1),
      'first vs lex': +(median(first[n]) / median(first.lex)).toFixed(2),
      'repeat p50 ms': repeat[n].length ? +median(repeat[n]).toFixed(1) : null,
    })),
  );
  console.log(`provider latency ${values.latency} ms; node ${process.version}, ${os.cpus().length} cores`);
} finally {
  server.send('exit');
}
