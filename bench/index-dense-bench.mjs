#!/usr/bin/env node
// The whole pipeline with a dense provider: `cw index` on this project's node_modules (copied under
// another name) against a loopback HTTPS embedding server with fixed latency (the server of
// bench/http-embed.mjs, OpenAI wire format, 256-dim vectors), into the embedded store.
//
//   npm run build && node bench/index-dense-bench.mjs [--latency 50] [--concurrency 8] [--batch 128] [--floats] [--parser auto|wasm]
// (DENSE_BENCH_PROFILE=dir writes a CPU profile of the cw process there; with --h1,
//  DENSE_BENCH_MAXCONN and DENSE_BENCH_KEEPALIVE set the provider's max_connections and
//  keepalive_expiry, to reproduce the connection churn of the old defaults: 50 and 5 s)
// (--floats: the server answers float lists even when asked for base64 — the path before packed vectors;
//  --h1: HTTP/1.1 only)
//
// Reports chunks/s against the provider's ceiling (concurrency × batch ÷ latency) and against
// what this machine's cores allow at the run's CPU per chunk (cw's and the server's), requests,
// and connections opened. Bounded: one index run, then the server exits.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { copyNodeModules } from './corpus.mjs';

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '128' },
    floats: { type: 'boolean', default: false },
    provider: { type: 'string', default: 'openai' },
    dims: { type: 'string', default: '256' },
    h1: { type: 'boolean', default: false },
    parser: { type: 'string', default: 'auto' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const corpus = path.join(os.tmpdir(), 'cw-bench-dense', 'corpus');
if (!existsSync(corpus)) copyNodeModules(path.join(corpus, 'pkgs'));
rmSync(path.join(corpus, '.codeweaver'), { recursive: true, force: true });

const server = fork(fileURLToPath(new URL('./http-embed.mjs', import.meta.url)), [], {
  env: { ...process.env, HTTP_EMBED_BENCH_SERVER: '1', HTTP_EMBED_BENCH_LATENCY: values.latency, ...(values.floats ? { HTTP_EMBED_BENCH_FLOATS: '1' } : {}) },
});
const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
// OpenAI's wire format and limits (2,048 inputs / 300k tokens per request), or Voyage's through
// its SDK (the same response shape); the loopback server answers whatever model is named.
const voyage = values.provider === 'voyage';
const config = {
  embedding: {
    provider: voyage ? 'voyage' : 'openai',
    model: voyage ? 'voyage-code-3' : 'text-embedding-3-small',
    base_url: `https://localhost:${port}/v1`,
    dimensions: Number(values.dims),
    batch_size: Number(values.batch),
    concurrency: Number(values.concurrency),
  },
  indexing: { parser: values.parser },
};
// --h1: HTTP/2 off for the provider (the connection count then follows the concurrency).
if (values.h1) config.http_pool = { providers: { [config.embedding.provider]: { enable_http2: false, ...(process.env.DENSE_BENCH_KEEPALIVE ? { keepalive_expiry: Number(process.env.DENSE_BENCH_KEEPALIVE) } : {}), ...(process.env.DENSE_BENCH_MAXCONN ? { max_connections: Number(process.env.DENSE_BENCH_MAXCONN) } : {}) } } };
const configFile = path.join(os.tmpdir(), 'cw-bench-dense', 'config.json');
writeFileSync(configFile, JSON.stringify(config));
// CPU of waited-for children (cw's process; the server is not waited for yet), from /proc.
const childCpuSeconds = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (USER_HZ 100)
};
try {
  const profile = process.env.DENSE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DENSE_BENCH_PROFILE}`] : [];
  const out = execFileSync(process.execPath, [...profile, path.join(root, 'bin', 'cw.js'), 'index', corpus, '--json', '--config', configFile], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, OPENAI_API_KEY: 'bench', VOYAGE_API_KEY: 'bench', NODE_EXTRA_CA_CERTS: fileURLToPath(new URL('../test/fixtures/tls/cert.pem', import.meta.url)) },
  });
  const s = JSON.parse(out);
  const clientCpu = childCpuSeconds();
  // The server's own view: time per request in its handler, and its CPU.
  const served = await new Promise((resolve) => {
    server.once('message', resolve);
    server.send('connections');
  });
  const seconds = s.duration_ms / 1000;
  const http = s.http[config.embedding.provider];
  const serverCpu = (served.cpu.user + served.cpu.system) / 1e6;
  const cpuBound = s.chunks.embedded / ((clientCpu + serverCpu) / os.availableParallelism());
  const ceiling = (Number(values.concurrency) * Number(values.batch)) / (Number(values.latency) / 1000);
  console.table([
    {
      files: s.files.indexed,
      'chunks embedded': s.chunks.embedded,
      seconds: +seconds.toFixed(2),
      'chunks/s': Math.round(s.chunks.embedded / seconds),
      'provider ceiling chunks/s': Math.round(ceiling),
      requests: http.requests,
      'connections opened': http.connections_opened,
      'p50 ms': s.providers[config.embedding.provider].latency_ms.p50,
      'p95 ms': s.providers[config.embedding.provider].latency_ms.p95,
      'peak RSS MB': Math.round(s.peak_rss_bytes / 1e6),
      'server ms': +(served.servedMs / Math.max(1, served.served)).toFixed(1),
      'cw CPU s': +clientCpu.toFixed(1),
      'server CPU s': +serverCpu.toFixed(1),
      // What the machine's cores could do at this CPU per chunk if the run never waited: the
      // bound on this machine, whatever the provider's ceiling.
      'CPU bound chunks/s': Math.round(cpuBound),
      '% of CPU bound': +((100 * s.chunks.embedded) / seconds / cpuBound).toFixed(0),
    },
  ]);
  console.log(`${config.embedding.provider} ${values.dims} dims, latency ${values.latency} ms, concurrency ${values.concurrency}, batch ${values.batch}, ${values.floats ? 'float answers' : 'packed answers'}, parser ${values.parser}; node ${process.version}, ${os.cpus().length} cores`);
} finally {
  server.send('exit');
}
