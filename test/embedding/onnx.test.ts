/**
 * The onnx provider in process, on a model made for the tests (test/fixtures/models/tiny-embedder,
 * scripts/make-tiny-embedder.py) and the real ONNX Runtime (installed by the suite's global setup).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadedModelCount, OnnxEmbedder } from '../../src/embedding/onnx/onnx-embedder.js';

const MODEL = path.resolve(import.meta.dirname, '../fixtures/models/tiny-embedder');
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
