#!/usr/bin/env node
// Pacing under a tokens-per-minute limit: the real embedder (OpenAI wire, through the pool)
// against a loopback HTTPS server (its own process) that enforces a TPM limit as the APIs do —
// a bucket refilled continuously, one second's worth of burst, 429 with Retry-After past it —
// and answers after a fixed latency. Three runs on the same server and work:
//   - no limit known to cw (the server sends no headers): what a client without pacing meets;
//   - embedding.tokens_per_minute set to the server's limit;
//   - nothing set, the server sends x-ratelimit-* headers (as OpenAI does).
//
//   npm run build && node bench/rate-limit-bench.mjs [--tpm 1200000] [--latency 300] [--batches 240] [--batch 64] [--concurrency 8]
//
// Reports 429s, wall time, and tokens per minute reached against the limit.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parseArgs } from 'node:util';

const TLS = new URL('../test/fixtures/tls/', import.meta.url);
const cert = readFileSync(new URL('cert.pem', TLS));

if (process.env.RATE_BENCH_SERVER) await serve();
else await main();

async function serve() {
  // Counted as cw counts them (loaded before the first request can arrive).
  const { estimateTokens: count } = await import('../dist/chunking/tokens.js');
  let limit = 0;
  let headers = false;
  let rate = 0;
  let capacity = 0;
  let level = 0;
  let at = 0;
  const figures = { accepted: 0, refused: 0, tokens: 0 };
  const latency = Number(process.env.RATE_BENCH_LATENCY);
  const server = https.createServer({ cert, key: readFileSync(new URL('key.pem', TLS)) }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const now = performance.now();
      level = Math.min(capacity, level + (now - at) * rate);
      at = now;
      const tokens = body.input.reduce((n, t) => n + count(t), 0);
      const told = () =>
        headers
          ? {
              'x-ratelimit-limit-tokens': String(limit),
              'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(level))),
              'x-ratelimit-reset-tokens': `${Math.ceil(Math.max(0, capacity - level) / rate)}ms`,
            }
          : {};
      if (level < Math.min(tokens, capacity)) {
        figures.refused++;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1', ...told() });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached for tokens per min' } }));
        return;
      }
      level -= tokens;
      figures.accepted++;
      figures.tokens += tokens;
      const data = body.input.map((_, index) => ({ object: 'embedding', index, embedding: Buffer.alloc(1024).toString('base64') }));
      const payload = JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', ...told() });
        res.end(payload);
      }, latency);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m.type === 'reset') {
      limit = m.tpm;
      headers = m.headers;
      rate = limit / 60_000;
      capacity = limit / 60;
      level = capacity;
      at = performance.now();
      Object.assign(figures, { accepted: 0, refused: 0, tokens: 0 });
      process.send({ type: 'ready' });
    } else if (m.type === 'figures') process.send({ type: 'figures', ...figures });
    else if (m.type === 'exit') server.close(() => process.exit(0));
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      tpm: { type: 'string', default: '1200000' },
      latency: { type: 'string', default: '300' },
      batches: { type: 'string', default: '240' },
      batch: { type: 'string', default: '64' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const tpm = Number(values.tpm);
  const { HttpClientPool } = await import('../dist/http/pool.js');
  const { createEmbedder } = await import('../dist/embedding/create.js');
  const { EmbeddingConfigSchema } = await import('../dist/config/schema.js');
  const child = fork(new URL(import.meta.url), [], { env: { ...process.env, RATE_BENCH_SERVER: '1', RATE_BENCH_LATENCY: values.latency } });
  const ask = (message, type) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
      child.send(message);
    });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  // Code-like texts of ~30 tokens; every batch different (no reuse to hide anything).
  const texts = (b) => Array.from({ length: Number(values.batch) }, (_, i) => `export function handler${b}_${i}(request, response) {\n  return response.status(200).json({ id: request.params.id, ok: true });\n}`);

  const rows = [];
  for (const [name, headers, configured] of [
    ['no limit known (no headers, nothing set)', false, false],
    ['embedding.tokens_per_minute set', false, true],
    ['x-ratelimit headers only', true, false],
  ]) {
    await ask({ type: 'reset', tpm, headers }, 'ready');
    const pool = new HttpClientPool({}, { ca: cert });
    const config = EmbeddingConfigSchema.parse({
      provider: 'openai-compatible',
      base_url: `https://localhost:${port}/v1`,
      model: 'bench',
      dimensions: 256,
      concurrency: Number(values.concurrency),
      ...(configured ? { tokens_per_minute: tpm } : {}),
    });
    const embedder = createEmbedder(config, { pool, env: {} });
    const started = performance.now();
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        for (let b = next++; b < Number(values.batches); b = next++) await embedder.embed(texts(b), 'document').catch(() => failed++);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const f = await ask({ type: 'figures' }, 'figures');
    const stats = embedder.stats();
    await pool.closeAll();
    // The budget the run had: the burst at the start plus the limit's rate over the wall time.
    const allowed = tpm / 60 + (tpm / 60) * seconds;
    rows.push({
      run: name,
      '429s': f.refused,
      'failed batches': failed,
      'wall s': +seconds.toFixed(2),
      'tokens/min reached': Math.round((f.tokens / seconds) * 60),
      '% of limit': +((100 * f.tokens) / allowed).toFixed(1),
      'wait for budget s': +(stats.rate_limit_wait_ms / 1000).toFixed(1),
    });
  }
  child.send({ type: 'exit' });
  console.table(rows);
  console.log(`limit ${tpm} tokens/min, latency ${values.latency} ms, ${values.batches} batches of ${values.batch}, concurrency ${values.concurrency}; node ${process.version}`);
}
