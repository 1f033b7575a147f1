#!/usr/bin/env node
// Rerank overhead: what a reranked search pays in process, beside the provider's own time.
//
//   npm run build && node bench/rerank-bench.mjs [--requests 300] [--candidates 50]
//
// A loopback server (a child process: its own event loop) answers each provider's rerank wire
// format at once (0 ms latency) with a precomputed body. For each provider, the reranker as cw
// uses it (pooled client, retry layer, budget; Voyage and Cohere through their SDKs, Jina-style
// through our own JSON) is timed per call, beside a bare undici.request of the same bytes on a
// kept-alive connection (the transport floor). Our part = reranker − floor, at the median.
// Documents are `--candidates` chunks of ~2 KB (a 512-token chunk with its path), as a search sends.
import { fork } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';

if (process.env.RERANK_BENCH_SERVER) {
  serve(Number(process.env.RERANK_BENCH_CANDIDATES));
} else {
  await main();
}

function answer(provider, n) {
  const results = Array.from({ length: n }, (_, i) => ({ index: n - 1 - i, relevance_score: 1 - i / n }));
  if (provider === 'voyage') return JSON.stringify({ object: 'list', data: results, model: 'rerank-2.5', usage: { total_tokens: n * 512 } });
  if (provider === 'cohere') return JSON.stringify({ id: 'x', results, meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } } });
  return JSON.stringify({ model: 'm', results, usage: { total_tokens: n * 512 } });
}

function serve(n) {
  const bodies = { voyage: answer('voyage', n), cohere: answer('cohere', n), jina: answer('jina', n) };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const provider = req.url.startsWith('/cohere') ? 'cohere' : req.url.startsWith('/jina') ? 'jina' : 'voyage';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(bodies[provider]);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

async function main() {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, candidates: { type: 'string', default: '50' } } });
  const requests = Number(values.requests);
  const n = Number(values.candidates);
  const child = fork(new URL(import.meta.url), [], { env: { ...process.env, RERANK_BENCH_SERVER: '1', RERANK_BENCH_CANDIDATES: String(n) } });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const origin = `http://127.0.0.1:${port}`;
  const { HttpClientPool } = await import('../dist/http/pool.js');
  const { createReranker } = await import('../dist/rerank/create.js');
  const { Agent, request } = await import('undici');

  const line = 'const value = computeSomething(input, options) + anotherCall(argument); // code\n';
  const documents = Array.from({ length: n }, (_, i) => `src/module${i}/file.ts (Thing${i}.method)\n${line.repeat(26)}`);
  const query = 'retry the request after a timeout with backoff';
  const env = { VOYAGE_API_KEY: 'k', CO_API_KEY: 'k', JINA_API_KEY: 'k' };
  const bases = { voyage: `${origin}/voyage/v1`, cohere: `${origin}/cohere`, jina: `${origin}/jina/v1` };
  const paths = { voyage: '/voyage/v1/rerank', cohere: '/cohere/v2/rerank', jina: '/jina/v1/rerank' };

  const rows = [];
  for (const provider of ['voyage', 'cohere', 'jina']) {
    const pool = new HttpClientPool({});
    const reranker = createReranker({ provider, base_url: bases[provider], candidates: n }, { pool, env });
    const floorAgent = new Agent({ keepAliveTimeout: 60_000 });
    const body = JSON.stringify({ model: 'm', query, documents, top_n: n });
    const ours = [];
    const floor = [];
    for (let i = 0; i < 30; i++) await reranker.rerank(query, documents); // warm: SDK load, JIT, connection
    for (let i = 0; i < 30; i++) await (await request(`${origin}${paths[provider]}`, { method: 'POST', body, dispatcher: floorAgent, headers: { 'content-type': 'application/json' } })).body.arrayBuffer();
    // Interleaved, so that both see the same machine load.
    for (let i = 0; i < requests; i++) {
      let t = performance.now();
      await reranker.rerank(query, documents);
      ours.push(performance.now() - t);
      t = performance.now();
      const res = await request(`${origin}${paths[provider]}`, { method: 'POST', body: JSON.stringify({ model: 'm', query, documents, top_n: n }), dispatcher: floorAgent, headers: { 'content-type': 'application/json' } });
      JSON.parse(Buffer.from(await res.body.arrayBuffer()).toString());
      floor.push(performance.now() - t);
    }
    const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
    rows.push({ provider, p50: p(ours, 0.5), p95: p(ours, 0.95), floor50: p(floor, 0.5), overhead50: p(ours, 0.5) - p(floor, 0.5), connections: pool.stats()[provider].connections_opened });
    await reranker.close();
    await pool.closeAll();
    await floorAgent.close();
  }
  child.kill();
  console.log(`rerank of ${n} documents (~${Math.round(documents[0].length / 1024)} KB each), ${requests} calls per provider, loopback server answering at once`);
  console.log('provider  p50 ms  p95 ms  floor p50 ms  ours − floor (p50) ms  connections');
  for (const r of rows) console.log(`${r.provider.padEnd(8)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p95.toFixed(2).padStart(6)}  ${r.floor50.toFixed(2).padStart(12)}  ${r.overhead50.toFixed(2).padStart(21)}  ${String(r.connections).padStart(11)}`);
}
