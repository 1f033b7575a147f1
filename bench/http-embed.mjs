#!/usr/bin/env node
// Embedding HTTP benchmark: the pooled client against a fresh connection per request, and
// HTTP/1.1 against HTTP/2, on a loopback HTTPS embedding server with fixed latency.
//
//   npm run build && node bench/http-embed.mjs [--requests 2000] [--concurrency 16,64] [--latency 50] [--all]
//
// For each concurrency: the embedder over the pool with HTTP/1.1, and with HTTP/2 (multiplexed);
// --all adds the pool's fetch alone and a fresh connection per request.
// The server runs in a child process (its own event loop and core), answers the OpenAI
// embeddings wire format after `--latency` ms, and counts the TCP connections it accepts.
// Bounded: every run sends exactly `--requests` requests, then the script exits.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import { Agent, fetch } from 'undici';

const TLS = new URL('../test/fixtures/tls/', import.meta.url);
const cert = readFileSync(new URL('cert.pem', TLS));

if (process.env.HTTP_EMBED_BENCH_SERVER) {
  serve(Number(process.env.HTTP_EMBED_BENCH_LATENCY));
} else {
  await main();
}

const vectors = new Map();
/** One answer vector per size (OpenAI `dimensions`, Voyage `output_dimension`), as floats and packed. */
function vectorOf(dims) {
  let v = vectors.get(dims);
  if (!v) {
    // Varied values, so that the float answer's JSON is as long as a real one's.
    const floats = Array.from({ length: dims }, (_, i) => Math.fround(Math.sin(i + 1) / 7));
    v = { floats, packed: Buffer.from(Float32Array.from(floats).buffer).toString('base64') };
    vectors.set(dims, v);
  }
  return v;
}

/** A deterministic pseudo-random vector for a text (FNV-1a seeds an xorshift generator). */
function variedVector(text, dims) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  let x = h || 1;
  const floats = new Float32Array(dims);
  for (let i = 0; i < dims; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    floats[i] = (x >>> 0) / 4294967296 - 0.5;
  }
  return { floats: Array.from(floats), packed: Buffer.from(floats.buffer).toString('base64') };
}

function serve(latencyMs) {
  const key = readFileSync(new URL('key.pem', TLS));
  let connections = 0;
  let handshakes = 0;
  // The server's own share of each request: from its body's end to the response written (the
  // fixed latency plus timer lateness and the server's CPU), so the bench can tell it from ours.
  let served = 0;
  let servedMs = 0;
  const server = http2.createSecureServer({ cert, key, allowHTTP1: true }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const arrived = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      // Packed when asked (as the APIs do), unless HTTP_EMBED_BENCH_FLOATS pins the float answer.
      const packed = body.encoding_format === 'base64' && !process.env.HTTP_EMBED_BENCH_FLOATS;
      const dims = body.dimensions ?? body.output_dimension ?? 256;
      const vector = vectorOf(dims);
      // HTTP_EMBED_BENCH_VARIED: a vector of its own per text (a dense index whose vectors all
      // match measures nothing of a nearest-neighbour search).
      const data = body.input.map((text, index) => {
        const v = process.env.HTTP_EMBED_BENCH_VARIED ? variedVector(text, dims) : vector;
        return { object: 'embedding', index, embedding: packed ? v.packed : v.floats };
      });
      const payload = JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
        served++;
        servedMs += performance.now() - arrived;
      }, latencyMs);
    });
  });
  server.on('connection', () => connections++);
  // Real APIs keep idle connections for a minute or more (Node's own default is 5 s); so does this server.
  server.keepAliveTimeout = 120_000;
  server.on('secureConnection', () => handshakes++);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'connections') {
      process.send({ connections, handshakes, served, servedMs, cpu: process.cpuUsage() });
      served = 0;
      servedMs = 0;
    }
    if (m === 'exit') server.close(() => process.exit(0));
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16,64' },
      latency: { type: 'string', default: '50' },
      all: { type: 'boolean', default: false },
    },
  });
  const requests = Number(values.requests);
  const latencyMs = Number(values.latency);
  let concurrency = 0;

  const { HttpClientPool } = await import('../dist/http/pool.js');
  const { createEmbedder } = await import('../dist/embedding/create.js');
  const { EmbeddingConfigSchema } = await import('../dist/config/schema.js');

  const child = fork(new URL(import.meta.url), [], {
    env: { ...process.env, HTTP_EMBED_BENCH_SERVER: '1', HTTP_EMBED_BENCH_LATENCY: String(latencyMs) },
  });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const baseUrl = `https://localhost:${port}/v1`;
  const body = JSON.stringify({ model: 'bench', input: ['function add(a, b) { return a + b; }'] });

  /** `requests` single-text requests from `concurrency` loops; per-request latency and wall time. */
  async function drive(send) {
    const latencies = new Float64Array(requests);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < requests; i = next++) {
          const t = performance.now();
          await send(i);
          latencies[i] = performance.now() - t;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const mean = latencies.reduce((a, b) => a + b, 0) / requests;
    latencies.sort();
    return { rps: requests / seconds, mean, p50: latencies[Math.floor(requests * 0.5)], p95: latencies[Math.floor(requests * 0.95)] };
  }

  async function pooled(http2Enabled) {
    const httpPool = { providers: { 'openai-compatible': { enable_http2: http2Enabled, max_connections: concurrency } } };
    const pool = new HttpClientPool(httpPool, { ca: cert });
    const config = EmbeddingConfigSchema.parse({
      provider: 'openai-compatible',
      base_url: baseUrl,
      model: 'bench',
      dimensions: 256,
      concurrency,
    });
    const embedder = createEmbedder(config, { pool, env: {} });
    const result = await drive((i) => embedder.embed([`function add${i}(a, b) { return a + b; }`], 'document'));
    const stats = pool.stats()['openai-compatible'];
    await pool.closeAll();
    return { ...result, versions: stats.http_versions, streams: stats.peak_streams };
  }

  // The pooled fetch alone, without the embedder around it: isolates the embedder's own cost.
  async function pooledFetch() {
    const httpPool = { providers: { raw: { enable_http2: false, max_connections: concurrency } } };
    const pool = new HttpClientPool(httpPool, { ca: cert });
    const client = pool.getClient('raw', undefined, { providerDefaults: true });
    const result = await drive(async () => {
      const res = await client.fetch(`${baseUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
    });
    await pool.closeAll();
    return result;
  }

  // The pool's request alone (what our own wire formats send through), without the embedder.
  async function pooledRequest(http2Enabled) {
    const httpPool = { providers: { raw: { enable_http2: http2Enabled, max_connections: concurrency } } };
    const pool = new HttpClientPool(httpPool, { ca: cert });
    const client = pool.getClient('raw', undefined, { providerDefaults: true });
    const result = await drive(async () => {
      const res = await client.request(`${baseUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      JSON.parse(Buffer.from(res.body).toString('utf8'));
    });
    const stats = pool.stats().raw;
    await pool.closeAll();
    return { ...result, versions: stats.http_versions, streams: stats.peak_streams };
  }

  // What an SDK does with no shared pool and keep-alive off: a new TCP+TLS connection per request.
  async function fresh() {
    return drive(async () => {
      const agent = new Agent({ connect: { ca: cert }, pipelining: 0 });
      try {
        const res = await fetch(`${baseUrl}/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body,
          dispatcher: agent,
        });
        await res.arrayBuffer();
      } finally {
        await agent.close();
      }
    });
  }

  console.log(`${requests} requests per run, server latency ${latencyMs} ms, max_connections = concurrency`);
  console.log('| concurrency | run | req/s | % of max | connections | TLS handshakes | peak streams | mean ms | server ms | p50 ms | p95 ms | client CPU ms/req | server CPU ms/req |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of values.concurrency.split(',').map(Number)) {
    concurrency = c;
    const runs = [
      ['pooled, HTTP/1.1', () => pooled(false)],
      ['pooled, HTTP/2', () => pooled(true)],
      ['pooled request alone (no embedder), HTTP/1.1', () => pooledRequest(false)],
      ['pooled request alone (no embedder), HTTP/2', () => pooledRequest(true)],
      ...(values.all
        ? [
            ['pooled fetch alone (no embedder), HTTP/1.1', pooledFetch],
            ['fresh connection per request, HTTP/1.1', fresh],
          ]
        : []),
    ];
    const ceiling = concurrency / (latencyMs / 1000);
    for (const [name, run] of runs) {
      const before = await ask('connections');
      const cpuBefore = process.cpuUsage();
      const r = await run();
      const cpu = process.cpuUsage(cpuBefore);
      const after = await ask('connections');
      const perRequest = (u) => ((u.user + u.system) / 1000 / requests).toFixed(2);
      const serverCpu = { user: after.cpu.user - before.cpu.user, system: after.cpu.system - before.cpu.system };
      const pct = ((100 * r.rps) / ceiling).toFixed(1);
      const versions = r.versions ? ` (${Object.entries(r.versions).map(([v, n]) => `h${v}: ${n}`).join(', ')})` : '';
      console.log(
        `| ${concurrency} | ${name}${versions} | ${r.rps.toFixed(0)} | ${pct}% | ${after.connections - before.connections} | ${after.handshakes - before.handshakes} | ${r.streams ?? ''} | ${r.mean.toFixed(1)} | ${(after.servedMs / Math.max(1, after.served)).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${perRequest(cpu)} | ${perRequest(serverCpu)} |`,
      );
    }
  }
  child.send('exit');
}
