import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChunker, type Chunker } from '../../src/chunking/chunker.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Embedder, EmbedderStats } from '../../src/embedding/embedder.js';
import { AuthError, ServiceError } from '../../src/errors.js';
import { IndexRun } from '../../src/pipeline/index-run.js';
import { EmbeddedStore } from '../../src/store/embedded.js';
import type { FileWrite, VectorStore } from '../../src/store/vector-store.js';

const FILES = 300;
const indexing = ConfigSchema.parse({}).indexing;

/** An embedder whose pace the test controls, counting calls in flight. */
class FakeEmbedder implements Embedder {
  readonly provider = 'openai-compatible' as const;
  readonly model = 'fake';
  readonly dimensions = 3;
  readonly endpoint = 'http://127.0.0.1:1/v1';
  readonly pricePerMillionTokens = null;
  readonly limits = { maxInputTokens: 8192, maxBatchItems: 4, maxBatchTokens: 100_000 };
  inFlight = 0;
  maxInFlight = 0;
  texts = 0;
  /** Texts per request, in order. */
  readonly sizes: number[] = [];
  constructor(
    private readonly fail: (texts: string[]) => Error | null = () => null,
    /** Event-loop turns per request: a slow provider. */
    private readonly turns = 1,
  ) {}
  async init() {}
  async close() {}
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.sizes.push(texts.length);
    try {
      for (let i = 0; i < this.turns; i++) await new Promise((r) => setImmediate(r));
      const err = this.fail(texts);
      if (err) throw err;
      this.texts += texts.length;
      return texts.map((t) => Float32Array.from([t.length, 1, 0]));
    } finally {
      this.inFlight--;
    }
  }
  stats(): EmbedderStats {
    return { requests: 0, retries: 0, rate_limited: 0, connections_opened: 0, bytes_sent: 0, bytes_received: 0, latency_ms: { p50: 0, p95: 0 } };
  }
}

let dir: string;
let store: EmbeddedStore;
let chunker: Chunker;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-run-'));
  for (let i = 0; i < FILES; i++) await writeFile(path.join(dir, `f${String(i).padStart(3, '0')}.txt`), `file number ${i}\n`);
  store = new EmbeddedStore({ path: path.join(dir, '.codeweaver', 'index.sqlite') });
  await store.open({ provider: 'openai-compatible', model: 'fake', dimensions: 3 }, { rebuild: false });
  chunker = await createChunker({ targetTokens: 512, maxTokens: 512 });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Counts chunks between chunking and the store, to check backpressure. */
function instrument(inner: Chunker, s: VectorStore) {
  const counts = { chunked: 0, settled: 0, maxOutstanding: 0 };
  const chunkerProxy: Chunker = {
    signature: inner.signature,
    async chunkFile(file) {
      const chunks = await inner.chunkFile(file);
      counts.chunked += chunks.length;
      counts.maxOutstanding = Math.max(counts.maxOutstanding, counts.chunked - counts.settled);
      return chunks;
    },
  };
  const storeProxy = new Proxy(s, {
    get(target, prop, receiver) {
      if (prop === 'writeFiles') {
        return async (files: FileWrite[]) => {
          const r = await target.writeFiles(files);
          counts.settled += files.reduce((n, f) => n + f.chunks.length, 0);
          return r;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { counts, chunker: chunkerProxy, store: storeProxy };
}

function run(embedder: Embedder, s: VectorStore, c: Chunker) {
  return new IndexRun(
    { root: dir, store: s, embedder, chunker: c, signal: new AbortController().signal },
    { indexing, batchSize: 4, concurrency: 2, full: false, dryRun: false, writeBatchChunks: 8 },
  ).run();
}

describe('IndexRun', () => {
  it('keeps chunks in flight bounded (backpressure) and embedding requests within the concurrency', async () => {
    const embedder = new FakeEmbedder(() => null, 40); // slower than reading and chunking
    const { counts, chunker: c, store: s } = instrument(chunker, store);
    const summary = await run(embedder, s, c);
    expect(summary.files.indexed).toBe(FILES);
    expect(summary.chunks.written).toBe(FILES);
    expect(embedder.texts).toBe(FILES);
    expect(embedder.maxInFlight).toBeLessThanOrEqual(2);
    // Capacity: max(batch 4 × (concurrency 2 + 2) × 2, write batch 8 × 2) = 32 admitted chunks,
    // plus two lookup groups (64 files, 1 chunk each) chunked ahead of admission: the group
    // being admitted and the next one, handed to the chunker one group early.
    expect(counts.maxOutstanding).toBeLessThanOrEqual(32 + 2 * 64);
    expect(counts.maxOutstanding).toBeGreaterThan(0);
  });

  it('leaves no listener on a signal that outlives it (a watcher\'s): the run and every path it saw can be freed', async () => {
    const lasting = new AbortController();
    for (const embedder of [new FakeEmbedder(), new FakeEmbedder(() => new AuthError('provider: API key refused (HTTP 401) — check KEY'))]) {
      await new IndexRun(
        { root: dir, store, embedder, chunker, signal: lasting.signal },
        { indexing, batchSize: 4, concurrency: 2, full: false, dryRun: false, writeBatchChunks: 8 },
      )
        .run()
        .catch(() => {});
      expect(getEventListeners(lasting.signal, 'abort')).toEqual([]);
    }
  });

  it('sends full batches while the provider is the bound: a part-empty one only when a slot would idle', async () => {
    // Reading and chunking outrun the provider, so admission keeps waiting for permits. Each
    // wait used to flush the batcher: requests went out part-empty, each holding a slot for a
    // whole round trip.
    // 30 chunks in flight at most (max(4 × (2 + 2) × 2, 15 × 2)): not a whole number of
    // batches, so a wait finds a part-filled batch in the batcher.
    const embedder = new FakeEmbedder(() => null, 40);
    const summary = await new IndexRun(
      { root: dir, store, embedder, chunker, signal: new AbortController().signal },
      { indexing, batchSize: 4, concurrency: 2, full: false, dryRun: false, writeBatchChunks: 15 },
    ).run();
    expect(summary.chunks.written).toBe(FILES);
    expect(embedder.sizes.reduce((a, b) => a + b, 0)).toBe(FILES);
    const partial = embedder.sizes.filter((n) => n < 4);
    expect(partial.length, `texts per request: ${embedder.sizes.join(' ')}`).toBeLessThanOrEqual(2);
    expect(embedder.sizes.length).toBeLessThanOrEqual(FILES / 4 + 2);
  });

  it('a failed batch fails its files only; they are not recorded, and the next run does just those', async () => {
    const broken = new FakeEmbedder((texts) => (texts.some((t) => t.trim() === 'file number 7') ? new ServiceError('provider: HTTP 500') : null));
    const first = await run(broken, store, chunker);
    expect(first.files.failed).toBeGreaterThan(0);
    expect(first.files.failed).toBeLessThanOrEqual(4); // one batch of at most 4 one-chunk files
    expect(first.files.indexed).toBe(FILES - first.files.failed);
    expect(first.failures.map((f) => f.error)).toContain('provider: HTTP 500');
    const failedPaths = first.failures.map((f) => f.path);
    expect(await store.fileHashes(failedPaths)).toEqual(new Map());

    const healthy = new FakeEmbedder();
    const second = await run(healthy, store, chunker);
    expect(second.files.indexed).toBe(first.files.failed);
    expect(second.files.unchanged).toBe(FILES - first.files.failed);
    expect(healthy.texts).toBe(first.files.failed);
  });

  it('a refused key stops the whole run with the AuthError, without hanging or recording unfinished files', async () => {
    let calls = 0;
    const refused = new FakeEmbedder(() => (++calls >= 3 ? new AuthError('provider: API key refused (HTTP 401) — check KEY') : null));
    await expect(run(refused, store, chunker)).rejects.toThrow(AuthError);
    const recorded: string[] = [];
    for await (const p of store.listFiles()) recorded.push(p);
    expect(recorded.length).toBeLessThan(FILES);
    // Whatever was recorded is complete: one chunk per file here.
    expect((await store.status()).chunks).toBe(recorded.length);
  });

  it('a store that fails mid-run ends the run with its error, only once no write is still in progress', async () => {
    let lookups = 0;
    let activeWrites = 0;
    const failing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'fileHashes') {
          return async (paths: string[]) => {
            if (++lookups === 3) throw new ServiceError('qdrant: cannot reach http://x (connection refused)');
            return target.fileHashes(paths);
          };
        }
        if (prop === 'writeFiles') {
          return async (files: FileWrite[]) => {
            activeWrites++;
            try {
              // A slow store: the write is still going when the lookup fails.
              for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
              return await target.writeFiles(files);
            } finally {
              activeWrites--;
            }
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const error = await run(new FakeEmbedder(), failing, chunker).catch((e: unknown) => e);
    expect(String(error)).toMatch(/cannot reach/);
    expect(activeWrites).toBe(0);
  });

  it('a Ctrl-C that lands while the walk is between directory entries ends the run as interrupted, not failed', async () => {
    // The walk is mid-directory when the signal aborts (the skip of package-lock.json aborts it,
    // and z.txt comes after): it throws an AbortError, which is the interruption itself.
    await writeFile(path.join(dir, 'package-lock.json'), '{}\n');
    await writeFile(path.join(dir, 'z.txt'), 'last\n');
    const interrupt = new AbortController();
    const summary = await new IndexRun(
      {
        root: dir,
        store,
        embedder: new FakeEmbedder(),
        chunker,
        signal: interrupt.signal,
        onSkip: (p) => {
          if (p === 'package-lock.json') interrupt.abort(new DOMException('received SIGINT', 'AbortError'));
        },
      },
      { indexing, batchSize: 4, concurrency: 2, full: false, dryRun: false, writeBatchChunks: 8 },
    ).run();
    expect(summary.interrupted).toBe(true);
    expect(summary.files.failed).toBe(0);
    expect((await store.status()).chunks).toBe(summary.files.indexed);
  });

  it('takes its file source and reconciliation scope as inputs: a batch of changed paths touches only those', async () => {
    const first = await run(new FakeEmbedder(), store, chunker);
    expect(first.files.indexed).toBe(FILES);
    // A watcher's batch: f001 edited, f002 deleted; nothing else looked at.
    await writeFile(path.join(dir, 'f001.txt'), 'file number 1, edited\n');
    await rm(path.join(dir, 'f002.txt'));
    const changed = new Set(['f001.txt', 'f002.txt']);
    const { walkFiles } = await import('../../src/discovery/walk.js');
    const summary = await new IndexRun(
      {
        root: dir,
        store,
        embedder: new FakeEmbedder(),
        chunker,
        signal: new AbortController().signal,
        files: async function* (signal) {
          for await (const f of walkFiles(dir, { include: [], exclude: [], maxFileSize: 1 << 20, respectGitignore: true, signal })) {
            if (changed.has(f.path)) yield f;
          }
        },
      },
      { indexing, batchSize: 4, concurrency: 2, full: false, dryRun: false, writeBatchChunks: 8, scope: { covers: (p) => changed.has(p) } },
    ).run();
    expect(summary.files).toMatchObject({ scanned: 1, indexed: 1, deleted: 1, unchanged: 0 });
    const recorded: string[] = [];
    for await (const p of store.listFiles()) recorded.push(p);
    expect(recorded).toHaveLength(FILES - 1); // every other file kept, though this run never saw it
  });
});
