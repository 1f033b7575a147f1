/**
 * The onnx provider in process, on models made for the tests (test/fixtures/models,
 * scripts/make-tiny-embedder.py) and the real ONNX Runtime (installed by the suite's global setup).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubDownloader } from '../../src/embedding/hub/download.js';
import { DEFAULT_ONNX_MODEL, knownOnnxModel, onnxModelName, parseOnnxModel } from '../../src/embedding/onnx/known-models.js';
import { modelFiles } from '../../src/embedding/onnx/model-files.js';
import { loadedModelCount, MAX_INPUT_TOKENS, OnnxEmbedder } from '../../src/embedding/onnx/onnx-embedder.js';
import { HttpClientPool } from '../../src/http/pool.js';
import { startHubServer, type HubServer } from '../doubles/hub/server.js';
import { fixtureFiles, TINY_BPE_EMBEDDER, TINY_EMBEDDER } from '../support/model-fixtures.js';

const MODEL = TINY_EMBEDDER;
let embedder: OnnxEmbedder;
beforeAll(async () => {
  embedder = new OnnxEmbedder({ model: MODEL, env: process.env, hub: null, threads: 2 });
  await embedder.init();
});
afterAll(() => embedder.close());

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('OnnxEmbedder', () => {
  it('knows the model from its files: vector size, input limit', () => {
    expect(embedder.dimensions).toBe(32);
    expect(embedder.limits.maxInputTokens).toBe(128);
  });

  it('one unit vector per text, in order; a text embeds the same alone or padded in a batch', async () => {
    const texts = ['retry the request', 'function parse json token stream buffer read write file', 'x'];
    const batch = await embedder.embed(texts, 'document');
    expect(batch).toHaveLength(3);
    for (const v of batch) expect(dot(v, v)).toBeCloseTo(1, 5);
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embed([text], 'document');
      for (let d = 0; d < 32; d++) expect(alone![d]).toBeCloseTo(batch[i]![d]!, 5);
    }
  });

  it('texts that share words are nearer than texts that do not (mean pooling over the mask)', async () => {
    const [query, near, far] = await embedder.embed(['retry request timeout', 'retry the request after a timeout', 'logger debug warn info'], 'query');
    expect(dot(query!, near!)).toBeGreaterThan(dot(query!, far!));
  });

  it('a text longer than the model reads is cut to its limit, not refused', async () => {
    const long = Array.from({ length: 400 }, (_, i) => (i % 2 ? 'request' : 'retry')).join(' ');
    const [v] = await embedder.embed([long], 'document');
    expect(dot(v!, v!)).toBeCloseTo(1, 5);
    expect(embedder.stats().requests).toBeGreaterThan(0);
  });

  it('one model loaded per process: a second embedder of it (a query embedder beside a run) shares it, and survives the first one closing', async () => {
    const before = loadedModelCount();
    const second = new OnnxEmbedder({ model: MODEL, env: process.env, hub: null, threads: 2 });
    await second.init();
    expect(loadedModelCount()).toBe(before);
    const [a] = await second.embed(['retry request'], 'query');
    await second.close();
    const [b] = await embedder.embed(['retry request'], 'query');
    for (let d = 0; d < 32; d++) expect(b![d]).toBeCloseTo(a![d]!, 6);
    await expect(second.embed(['x'], 'query')).rejects.toThrow(/closed/);
  });

  it('batches larger than one inference are split and keep their order', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `token ${'query '.repeat(i % 5)}${i % 3 ? 'search' : 'index'}`);
    const all = await embedder.embed(texts, 'document');
    expect(all).toHaveLength(70);
    const [last] = await embedder.embed([texts[69]!], 'document');
    for (let d = 0; d < 32; d++) expect(last![d]).toBeCloseTo(all[69]![d]!, 5);
  });
});

describe("the default model's export layout (ModernBERT: byte-level BPE, no token_type_ids, no 1_Pooling/)", () => {
  let home: string;
  let hub: HubServer | null = null;
  let pool: HttpClientPool;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'cw-hf-'));
    pool = new HttpClientPool({});
  });
  afterEach(async () => {
    await pool.destroyAll();
    await hub?.close();
    hub = null;
    await rm(home, { recursive: true, force: true });
  });
  const serve = async (repo: string) => {
    hub = await startHubServer(repo, fixtureFiles(TINY_BPE_EMBEDDER));
    return new HubDownloader({ fetch: pool.getClient('huggingface').fetch, env: { HF_HOME: home, HF_ENDPOINT: hub.origin } });
  };

  it('the default is pooled as it was trained (CLS) though its repository states no pooling; a model cw does not know, by the mean', async () => {
    expect((await modelFiles(DEFAULT_ONNX_MODEL, await serve(DEFAULT_ONNX_MODEL))).pooling).toBe('cls');
    await hub!.close();
    expect((await modelFiles('other-org/unknown-embedder', await serve('other-org/unknown-embedder'))).pooling).toBe('mean');
    // A directory is not taken for a repository of the same name.
    expect((await modelFiles(TINY_BPE_EMBEDDER, null)).pooling).toBe('mean');
  });

  it('an input is cut at MAX_INPUT_TOKENS though the model reads more (attention costs the length squared): what lies beyond changes nothing', async () => {
    const local = new OnnxEmbedder({ model: TINY_BPE_EMBEDDER, env: process.env, hub: null, threads: 1 });
    try {
      await local.init();
      expect((await modelFiles(TINY_BPE_EMBEDDER, null)).maxTokens).toBe(8192);
      expect(local.limits.maxInputTokens).toBe(MAX_INPUT_TOKENS);
      const long = 'def retry(request, timeout=30):\n    return handler(request)\n'.repeat(120); // > 2,000 tokens
      const [a, b, short] = await local.embed([long, `${long}class ConnectionPool: pass\n`, 'def retry(request):'], 'query');
      for (let d = 0; d < a!.length; d++) expect(b![d]).toBeCloseTo(a![d]!, 5);
      expect(dot(a!, short!)).toBeLessThan(0.9999);
    } finally {
      await local.close();
    }
  });

  it("tokenizes as Hugging Face's tokenizers library does, runs without token_type_ids, and pools the first token", async () => {
    const bpe = new OnnxEmbedder({ model: DEFAULT_ONNX_MODEL, env: { ...process.env, HF_HOME: home }, hub: await serve(DEFAULT_ONNX_MODEL), threads: 1 });
    const mean = new OnnxEmbedder({ model: TINY_BPE_EMBEDDER, env: process.env, hub: null, threads: 1 });
    try {
      const { Tokenizer } = await import('@huggingface/tokenizers');
      const files = await modelFiles(TINY_BPE_EMBEDDER, null);
      const tokenizer = new Tokenizer(files.tokenizer, files.tokenizerConfig);
      const expected = JSON.parse(readFileSync(path.join(TINY_BPE_EMBEDDER, 'expected-ids.json'), 'utf8')) as Array<{ text: string; ids: number[] }>;
      for (const { text, ids } of expected) expect(tokenizer.encode(text).ids, text).toEqual(ids);

      const texts = expected.map((e) => e.text);
      const [cls, avg] = await Promise.all([bpe.embed(texts, 'document'), mean.embed(texts, 'document')]);
      for (const v of cls) expect(dot(v, v)).toBeCloseTo(1, 5);
      // The graph adds the whole input's sum to every position: CLS and mean pooling differ.
      for (let i = 0; i < texts.length; i++) expect(dot(cls[i]!, avg[i]!)).toBeLessThan(0.9999);
      // And the first token's vector depends on the text.
      expect(dot(cls[0]!, cls[1]!)).toBeLessThan(0.9999);
    } finally {
      await bpe.close();
      await mean.close();
    }
  });
});

describe('naming an export: org/name[@revision][#q8]', () => {
  it('#q8 names the int8 export; embedding.quantized adds it unless the name says which; the rest is the source', () => {
    expect(parseOnnxModel('org/name@abc#q8')).toEqual({ source: 'org/name@abc', variant: 'q8' });
    expect(parseOnnxModel('./models/x#q8')).toEqual({ source: './models/x', variant: 'q8' });
    expect(parseOnnxModel('org/name')).toEqual({ source: 'org/name', variant: null });
    // A '#' that names no export cw knows is part of the name (a directory may hold one).
    expect(parseOnnxModel('./models/a#b')).toEqual({ source: './models/a#b', variant: null });
    expect(onnxModelName('org/name', true)).toBe('org/name#q8');
    expect(onnxModelName('org/name#q8', true)).toBe('org/name#q8');
    expect(onnxModelName('org/name', false)).toBe('org/name');
    expect(onnxModelName('org/name', undefined)).toBe('org/name');
    // Known models keep their pooling and prefixes whatever the export.
    expect(knownOnnxModel(`${DEFAULT_ONNX_MODEL}#q8`)?.pooling).toBe('cls');
  });
});
