#!/usr/bin/env node
// Sharded indexing on one machine: one `cw index` process against 2 and 4 `cw index --shard i/N`
// processes running at once, each into a fresh collection of the Qdrant double (in a process of
// its own), with a loopback embedding server of fixed latency (bench/http-embed.mjs, OpenAI wire
// format, 256-dim vectors). Reports wall time, the slowest and fastest shard, provider and Qdrant
// requests, and checks that every layout ends with the same number of points.
//
//   npm run build && node bench/shard-bench.mjs [--latency 200] [--concurrency 2] [--batch 32] [--shards 2,4]
//
// The double is compiled from test/doubles/qdrant into bench/.cache on first use.
import { execFileSync, fork, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const cache = path.join(root, 'bench', '.cache');

if (process.env.SHARD_BENCH_QDRANT) {
  // The double's process: answers on a port, reports its request counts when asked.
  const { startQdrantDouble } = await import(path.join(cache, 'test', 'doubles', 'qdrant', 'index.js'));
  const qdrant = await startQdrantDouble();
  process.send({ url: qdrant.url });
  process.on('message', async (m) => {
    if (m.type === 'count') {
      const c = qdrant.collection(qdrant.aliases().get(m.alias) ?? m.alias);
      const kinds = {};
      for (const p of c?.points.values() ?? []) kinds[p.payload.kind] = (kinds[p.payload.kind] ?? 0) + 1;
      process.send({ type: 'count', requests: qdrant.requests.length, kinds });
      qdrant.requests.length = 0;
    } else if (m.type === 'exit') {
      await qdrant.close();
      process.exit(0);
    }
  });
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '2' },
      batch: { type: 'string', default: '32' },
      shards: { type: 'string', default: '2,4' },
    },
  });
  buildDouble();
  const work = path.join(os.tmpdir(), 'cw-bench-shards');
  const corpus = path.join(work, 'corpus');
  if (!existsSync(corpus)) {
    // ~1,000 source files of installed packages: enough embedding work for the provider's latency to dominate.
    for (const pkg of ['undici', 'zod', 'commander', 'cosmiconfig', 'fast-glob', 'ajv']) {
      cpSync(path.join(root, 'node_modules', pkg), path.join(corpus, pkg), { recursive: true });
    }
  }

  const embed = fork(fileURLToPath(new URL('./http-embed.mjs', import.meta.url)), [], {
    env: { ...process.env, HTTP_EMBED_BENCH_SERVER: '1', HTTP_EMBED_BENCH_LATENCY: values.latency },
  });
  const embedPort = await new Promise((resolve) => embed.once('message', (m) => resolve(m.port)));
  const qdrant = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, SHARD_BENCH_QDRANT: '1' } });
  const qdrantUrl = await new Promise((resolve) => qdrant.once('message', (m) => resolve(m.url)));
  const countOf = (alias) =>
    new Promise((resolve) => {
      qdrant.once('message', resolve);
      qdrant.send({ type: 'count', alias });
    });

  const config = {
    embedding: {
      provider: 'openai',
      model: 'text-embedding-3-small',
      base_url: `https://localhost:${embedPort}/v1`,
      dimensions: 256,
      batch_size: Number(values.batch),
      concurrency: Number(values.concurrency),
    },
    store: { kind: 'qdrant' },
  };
  const configFile = path.join(work, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = {
    ...process.env,
    OPENAI_API_KEY: 'bench',
    QDRANT_URL: qdrantUrl,
    CW_COMMIT: 'bench',
    NODE_EXTRA_CA_CERTS: fileURLToPath(new URL('../test/fixtures/tls/cert.pem', import.meta.url)),
  };
  const runCw = (args) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(root, 'bin', 'cw.js'), 'index', corpus, '--json', '--config', configFile, ...args], { env });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`cw ${args.join(' ')} exited ${code}: ${err}`))));
    });

  const rows = [];
  try {
    for (const n of [1, ...values.shards.split(',').map(Number)]) {
      const alias = `bench-${n}`;
      const started = performance.now();
      const summaries = await Promise.all(
        Array.from({ length: n }, (_, i) => runCw(['--collection', alias, ...(n > 1 ? ['--shard', `${i + 1}/${n}`] : [])])),
      );
      const wall = (performance.now() - started) / 1000;
      const counted = await countOf(alias);
      const durations = summaries.map((s) => s.duration_ms / 1000);
      rows.push({
        processes: n,
        'wall s': +wall.toFixed(2),
        'slowest shard s': +Math.max(...durations).toFixed(2),
        'fastest shard s': +Math.min(...durations).toFixed(2),
        files: summaries.reduce((a, s) => a + s.files.indexed, 0),
        'chunks embedded': summaries.reduce((a, s) => a + s.chunks.embedded, 0),
        'provider requests': summaries.reduce((a, s) => a + (s.http.openai?.requests ?? 0), 0),
        'qdrant requests': counted.requests,
        'chunk points': counted.kinds.chunk ?? 0,
      });
    }
    // What one machine of N does: shard 1 of the largest N alone, into a fresh collection.
    const n = Math.max(...values.shards.split(',').map(Number));
    const started = performance.now();
    const [solo] = await Promise.all([runCw(['--collection', `bench-solo-${n}`, '--shard', `1/${n}`])]);
    const counted = await countOf(`bench-solo-${n}`);
    rows.push({
      processes: `shard 1/${n} alone`,
      'wall s': +((performance.now() - started) / 1000).toFixed(2),
      'slowest shard s': +(solo.duration_ms / 1000).toFixed(2),
      'fastest shard s': +(solo.duration_ms / 1000).toFixed(2),
      files: solo.files.indexed,
      'chunks embedded': solo.chunks.embedded,
      'provider requests': solo.http.openai?.requests ?? 0,
      'qdrant requests': counted.requests,
      'chunk points': counted.kinds.chunk ?? 0,
    });
  } finally {
    embed.send('exit');
    qdrant.send({ type: 'exit' });
  }
  console.table(rows);
  const ceiling = (Number(values.concurrency) * Number(values.batch)) / (Number(values.latency) / 1000);
  console.log(
    `openai 256 dims, latency ${values.latency} ms, concurrency ${values.concurrency} and batch ${values.batch} per process (ceiling ${Math.round(ceiling)} chunks/s each); node ${process.version}, ${os.cpus().length} cores`,
  );
}

/** Compiles the Qdrant double (TypeScript under test/) into bench/.cache, where it finds node_modules and its fixtures. */
function buildDouble() {
  const entry = path.join(cache, 'test', 'doubles', 'qdrant', 'index.js');
  if (existsSync(entry)) return;
  mkdirSync(cache, { recursive: true });
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir', cache, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule', '--noCheck',
      path.join(root, 'test', 'doubles', 'qdrant', 'index.ts'),
    ],
    { stdio: 'inherit' },
  );
  rmSync(path.join(cache, 'test', 'fixtures'), { force: true, recursive: true });
  symlinkSync(path.join(root, 'test', 'fixtures'), path.join(cache, 'test', 'fixtures'));
}
