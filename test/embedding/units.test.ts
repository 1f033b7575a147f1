import { describe, expect, it } from 'vitest';
import { HTTP_POOL_DEFAULTS, PROVIDER_POOL_DEFAULTS, EMBEDDING_PROVIDERS } from '../../src/config/schema.js';
import { isBatchTooLarge } from '../../src/embedding/batch-too-large.js';
import { acceptsDimensions, lookupModel } from '../../src/embedding/catalogue.js';
import { LatencyReservoir } from '../../src/embedding/latency.js';
import { PROVIDERS } from '../../src/embedding/providers.js';
import { sdkTimeoutSeconds } from '../../src/http/sdk-timeout.js';
import { orderByIndex } from '../../src/embedding/vectors.js';
import { VectorCountMismatchError, MalformedResponseError } from '../../src/embedding/errors.js';
import { HttpStatusError } from '../../src/http/retry.js';

describe('LatencyReservoir', () => {
  it('keeps at most `capacity` samples however many are recorded', () => {
    const r = new LatencyReservoir(100, () => 0.999);
    for (let i = 0; i < 100_000; i++) r.record(i);
    expect(r.size).toBe(100);
  });

  it('nearest-rank p50/p95 over what it holds', () => {
    const r = new LatencyReservoir(1000);
    for (let i = 1; i <= 100; i++) r.record(i);
    expect(r.percentile(50)).toBe(50);
    expect(r.percentile(95)).toBe(95);
    expect(new LatencyReservoir().percentile(95)).toBe(0);
  });

  it('stays a fair sample of a long run (algorithm R)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const r = new LatencyReservoir(512, random);
    for (let i = 0; i < 50_000; i++) r.record(i < 25_000 ? 10 : 100);
    // Half the run was slow: the median of a fair sample sits near the boundary, p95 in the slow half.
    expect(r.percentile(95)).toBe(100);
    expect(r.percentile(25)).toBe(10);
  });
});

describe('isBatchTooLarge', () => {
  const e = (status: number, detail: string) => new HttpStatusError('p', status, detail, null);
  it('recognises 413 and the providers\' "too many" 400s', () => {
    expect(isBatchTooLarge(e(413, ''))).toBe(true);
    expect(isBatchTooLarge(e(400, 'The max allowed tokens per submitted batch is 120000. Your batch has 130000 tokens'))).toBe(true);
    expect(isBatchTooLarge(e(400, 'Too many inputs in request, split into more batches.'))).toBe(true);
    expect(isBatchTooLarge(e(400, 'invalid request: too many texts, max is 96'))).toBe(true);
    expect(isBatchTooLarge(e(400, "'$.input' is invalid. Please check the API reference"))).toBe(false);
    expect(isBatchTooLarge(e(400, 'model not found'))).toBe(false);
    expect(isBatchTooLarge(e(500, 'too many tokens'))).toBe(false);
    expect(isBatchTooLarge(new Error('too many tokens'))).toBe(false);
  });
});

describe('orderByIndex', () => {
  it('restores input order from `index` and refuses gaps, repeats and out-of-range indices', () => {
    const out = orderByIndex('p', [{ index: 1, embedding: [2] }, { index: 0, embedding: [1] }], 2);
    expect(out.map((v) => v[0])).toEqual([1, 2]);
    expect(() => orderByIndex('p', [{ index: 0, embedding: [1] }, { index: 0, embedding: [1] }], 2)).toThrow(VectorCountMismatchError);
    expect(() => orderByIndex('p', [{ index: 0, embedding: [1] }, { index: 2, embedding: [1] }], 2)).toThrow(VectorCountMismatchError);
    expect(() => orderByIndex('p', [{ index: 0, embedding: [1] }], 2)).toThrow(VectorCountMismatchError);
    expect(() => orderByIndex('p', [{ index: 0, embedding: ['x'] }], 1)).toThrow(MalformedResponseError);
    expect(() => orderByIndex('p', undefined, 1)).toThrow(MalformedResponseError);
  });
});

describe('catalogue', () => {
  it('holds the documented limits of the default models', () => {
    expect(lookupModel('voyage', 'voyage-code-3')?.limits).toEqual({ maxInputTokens: 32_000, maxBatchItems: 1000, maxBatchTokens: 120_000 });
    expect(lookupModel('cohere', 'embed-v4.0')?.limits.maxBatchItems).toBe(96);
    expect(lookupModel('openai', 'text-embedding-3-small')?.limits).toMatchObject({ maxBatchItems: 2048, maxBatchTokens: 300_000 });
  });

  it('every provider default model is in the catalogue, or the provider has none', () => {
    for (const name of EMBEDDING_PROVIDERS) {
      if (name === 'local' || name === 'onnx') continue; // no remote profile: nothing sent, or a model of the user's choosing
      const model = PROVIDERS[name].defaultModel;
      if (model !== null) expect(lookupModel(name, model), `${name}: ${model}`).toBeDefined();
    }
  });

  it('checks sizes against the allowed set or range', () => {
    const voyage = lookupModel('voyage', 'voyage-code-3')!;
    expect([256, 2048].every((d) => acceptsDimensions(voyage, d))).toBe(true);
    expect(acceptsDimensions(voyage, 300)).toBe(false);
    const small = lookupModel('openai', 'text-embedding-3-small')!;
    expect(acceptsDimensions(small, 1)).toBe(true);
    expect(acceptsDimensions(small, 1537)).toBe(false);
  });
});

describe('sdkTimeoutSeconds', () => {
  it('is longer than any wait the pool itself bounds, so the pool\'s typed timeout fires first', () => {
    const s = { ...HTTP_POOL_DEFAULTS, ...PROVIDER_POOL_DEFAULTS };
    expect(sdkTimeoutSeconds(s)).toBeGreaterThan(s.pool_timeout + s.connect_timeout + s.write_timeout + s.read_timeout);
    // Voyage's SDK default (60 s) would cut requests below the provider read_timeout (90 s).
    expect(sdkTimeoutSeconds(s)).toBeGreaterThan(90);
  });
});
