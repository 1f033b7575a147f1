import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, UsageError } from '../../src/errors.js';
import { makeEmbedder, KEY, asArrays, f32, type Harness } from './helpers.js';
import {
  fakeVector,
  startCohereServer,
  startOpenAIServer,
  startVoyageServer,
  type ProviderServer,
} from './servers/index.js';

const texts = ['function a() {}', 'class B {}', 'const c = 3;'];
const expected = (dims: number, xs = texts) => xs.map((t) => f32(fakeVector(t, dims)));

let server: ProviderServer | undefined;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.pool.destroyAll();
  await server?.close();
  server = harness = undefined;
});

describe('Voyage (through the voyageai SDK over the pooled fetch)', () => {
  it('sends the documented request and returns vectors in input order', async () => {
    server = await startVoyageServer({ reverse: true });
    harness = makeEmbedder({ provider: 'voyage', base_url: server.baseUrl }, { env: { VOYAGE_API_KEY: KEY } });
    const { embedder } = harness;
    expect(embedder.dimensions).toBe(1024);
    expect(embedder.limits).toEqual({ maxInputTokens: 32_000, maxBatchItems: 1000, maxBatchTokens: 120_000 });

    const vectors = await embedder.embed(texts, 'document');
    expect(vectors.every((v) => v instanceof Float32Array)).toBe(true);
    expect(asArrays(vectors)).toEqual(expected(1024));

    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/embeddings');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.body).toEqual({ input: texts, model: 'voyage-code-3', input_type: 'document', encoding_format: 'base64' });

    await embedder.embed(['where is auth?'], 'query');
    expect(server.requests[1].body.input_type).toBe('query');
  });

  it('asks for output_dimension and output_dtype when configured', async () => {
    server = await startVoyageServer();
    harness = makeEmbedder(
      { provider: 'voyage', base_url: server.baseUrl, dimensions: 512, output_dtype: 'int8' },
      { env: { VOYAGE_API_KEY: KEY } },
    );
    const vectors = await harness.embedder.embed(texts, 'document');
    expect(vectors.map((v) => v.length)).toEqual([512, 512, 512]);
    expect(server.requests[0].body).toMatchObject({ output_dimension: 512, output_dtype: 'int8' });
  });
});

describe('Cohere (through the cohere-ai v2 SDK over the pooled fetch)', () => {
  it('sends /v2/embed with search_document/search_query and reads packed float embeddings (embeddings.base64)', async () => {
    server = await startCohereServer();
    harness = makeEmbedder({ provider: 'cohere', base_url: server.baseUrl }, { env: { COHERE_API_KEY: KEY } });
    const { embedder } = harness;
    expect(embedder.dimensions).toBe(1536);
    expect(embedder.limits.maxBatchItems).toBe(96);

    expect(asArrays(await embedder.embed(texts, 'document'))).toEqual(expected(1536));
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v2/embed');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({
      texts,
      model: 'embed-v4.0',
      input_type: 'search_document',
      embedding_types: ['base64'],
    });

    await embedder.embed(['q'], 'query');
    expect(server.requests[1].body.input_type).toBe('search_query');
  });

  it('a model without base64 embeddings is asked again for floats, once, then always: the same bits', async () => {
    const packedServer = await startCohereServer({ dims: 1024 });
    const packed = makeEmbedder({ provider: 'cohere', base_url: packedServer.baseUrl, dimensions: 1024 }, { env: { COHERE_API_KEY: KEY } });
    server = await startCohereServer({ dims: 1024, refuseBase64: true });
    harness = makeEmbedder({ provider: 'cohere', base_url: server.baseUrl, dimensions: 1024 }, { env: { COHERE_API_KEY: KEY } });
    try {
      const fromPacked = await packed.embedder.embed(texts, 'document');
      const fromFloats = await harness.embedder.embed(texts, 'document');
      await harness.embedder.embed(['q'], 'query');
      expect(server.requests.map((r) => r.body.embedding_types[0])).toEqual(['base64', 'float', 'float']);
      const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      for (let i = 0; i < texts.length; i++) expect(bytes(fromPacked[i]!).equals(bytes(fromFloats[i]!))).toBe(true);
      expect(asArrays(fromPacked)).toEqual(expected(1024));
    } finally {
      await packed.pool.destroyAll();
      await packedServer.close();
    }
  });

  it('prefers CO_API_KEY and sends output_dimension', async () => {
    server = await startCohereServer();
    harness = makeEmbedder(
      { provider: 'cohere', base_url: server.baseUrl, dimensions: 256 },
      { env: { CO_API_KEY: 'co-first', COHERE_API_KEY: KEY } },
    );
    const vectors = await harness.embedder.embed(texts, 'document');
    expect(vectors[0].length).toBe(256);
    expect(server.requests[0].headers.authorization).toBe('Bearer co-first');
    expect(server.requests[0].body.output_dimension).toBe(256);
  });
});

describe('Voyage: packed vectors', () => {
  it('decode bit for bit to the float answer; an endpoint refusing encoding_format is asked again without, once', async () => {
    server = await startVoyageServer({ dims: 512 });
    harness = makeEmbedder({ provider: 'voyage', base_url: server.baseUrl, dimensions: 512 }, { env: { VOYAGE_API_KEY: KEY } });
    const packed = await harness.embedder.embed(texts, 'document');
    expect(server.requests[0].body.encoding_format).toBe('base64');
    const floats = await startVoyageServer({ dims: 512, refuseBase64: true });
    const plain = makeEmbedder({ provider: 'voyage', base_url: floats.baseUrl, dimensions: 512 }, { env: { VOYAGE_API_KEY: KEY } });
    try {
      const unpacked = await plain.embedder.embed(texts, 'document');
      await plain.embedder.embed(texts.slice(0, 1), 'query');
      expect(floats.requests.map((r) => r.body.encoding_format ?? 'float')).toEqual(['base64', 'float', 'float']);
      for (let i = 0; i < texts.length; i++) {
        const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        expect(bytes(packed[i]!).equals(bytes(unpacked[i]!))).toBe(true);
      }
      expect(asArrays(packed)).toEqual(expected(512));
    } finally {
      await plain.pool.destroyAll();
      await floats.close();
    }
  });

  it('int8 and bit output types are asked for as integer lists, not packed', async () => {
    server = await startVoyageServer();
    harness = makeEmbedder({ provider: 'voyage', base_url: server.baseUrl, dimensions: 512, output_dtype: 'int8' }, { env: { VOYAGE_API_KEY: KEY } });
    await harness.embedder.embed(texts, 'document');
    expect(server.requests[0].body.encoding_format).toBeUndefined();
  });
});

describe('OpenAI-compatible family (one module over the pooled fetch)', () => {
  it('OpenAI: { model, input } with Bearer auth, no input type; reorders by index', async () => {
    server = await startOpenAIServer({ reverse: true });
    harness = makeEmbedder({ provider: 'openai', base_url: server.baseUrl }, { env: { OPENAI_API_KEY: KEY } });
    expect(asArrays(await harness.embedder.embed(texts, 'query'))).toEqual(expected(1536));
    const [req] = server.requests;
    expect(req.url).toBe('/v1/embeddings');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({ model: 'text-embedding-3-small', input: texts, encoding_format: 'base64' });
  });

  it('OpenAI: vectors come packed (base64 float32s) and decode bit for bit to what the float answer gives', async () => {
    server = await startOpenAIServer({ dims: 1024 });
    harness = makeEmbedder({ provider: 'openai', base_url: server.baseUrl, model: 'text-embedding-3-large', dimensions: 1024 }, { env: { OPENAI_API_KEY: KEY } });
    const packed = await harness.embedder.embed(texts, 'document');
    expect(server.requests[0].body.encoding_format).toBe('base64');
    // The same texts from a server answering floats, through the float path.
    const floats = await startOpenAIServer({ dims: 1024, refuseBase64: true });
    const plain = makeEmbedder({ provider: 'openai', base_url: floats.baseUrl, model: 'text-embedding-3-large', dimensions: 1024 }, { env: { OPENAI_API_KEY: KEY } });
    try {
      const unpacked = await plain.embedder.embed(texts, 'document');
      for (let i = 0; i < texts.length; i++) {
        expect(packed[i]).toBeInstanceOf(Float32Array);
        expect(Buffer.from(packed[i]!.buffer, packed[i]!.byteOffset, packed[i]!.byteLength).equals(Buffer.from(unpacked[i]!.buffer, unpacked[i]!.byteOffset, unpacked[i]!.byteLength))).toBe(true);
      }
      expect(asArrays(packed)).toEqual(expected(1024));
    } finally {
      await plain.pool.destroyAll();
      await floats.close();
    }
  });

  it('a server that refuses encoding_format is asked again without, once, and never again', async () => {
    server = await startOpenAIServer({ dims: 384, refuseBase64: true });
    harness = makeEmbedder({ provider: 'openai-compatible', base_url: server.baseUrl, model: 'acme-embed', dimensions: 384 });
    expect(asArrays(await harness.embedder.embed(texts, 'document'))).toEqual(expected(384));
    expect(asArrays(await harness.embedder.embed(texts.slice(0, 1), 'query'))).toEqual(expected(384, texts.slice(0, 1)));
    expect(server.requests.map((r) => r.body.encoding_format ?? 'float')).toEqual(['base64', 'float', 'float']);
  });

  it('OpenAI: `dimensions` is sent for text-embedding-3-*', async () => {
    server = await startOpenAIServer();
    harness = makeEmbedder(
      { provider: 'openai', base_url: server.baseUrl, model: 'text-embedding-3-large', dimensions: 256 },
      { env: { OPENAI_API_KEY: KEY } },
    );
    expect((await harness.embedder.embed(texts, 'document'))[0].length).toBe(256);
    expect(server.requests[0].body).toEqual({ model: 'text-embedding-3-large', input: texts, dimensions: 256, encoding_format: 'base64' });
  });

  it('Azure: deployment URL with api-version and the api-key header', async () => {
    server = await startOpenAIServer();
    harness = makeEmbedder(
      { provider: 'azure', base_url: server.origin, model: 'text-embedding-3-small', api_version: '2024-06-01' },
      { env: { AZURE_OPENAI_API_KEY: KEY } },
    );
    await harness.embedder.embed(texts, 'document');
    const [req] = server.requests;
    expect(req.url).toBe('/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-06-01');
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('Azure: a default api-version and the endpoint from AZURE_OPENAI_ENDPOINT', async () => {
    server = await startOpenAIServer();
    harness = makeEmbedder(
      { provider: 'azure', model: 'my-embed' },
      { env: { AZURE_OPENAI_API_KEY: KEY, AZURE_OPENAI_ENDPOINT: server.origin } },
    );
    await harness.embedder.init();
    expect(server.requests[0].url).toBe('/openai/deployments/my-embed/embeddings?api-version=2024-10-21');
  });

  it('Ollama: no key and no Authorization header', async () => {
    server = await startOpenAIServer({ dims: 768 });
    harness = makeEmbedder({ provider: 'ollama', base_url: server.baseUrl });
    expect(harness.embedder.dimensions).toBe(768);
    expect(asArrays(await harness.embedder.embed(texts, 'document'))).toEqual(expected(768));
    expect(server.requests[0].headers.authorization).toBeUndefined();
    expect(server.requests[0].body).toEqual({ model: 'nomic-embed-text', input: texts });
  });

  it('Heroku: EMBEDDING_KEY/EMBEDDING_URL and input_type search_document/search_query', async () => {
    server = await startOpenAIServer({ dims: 1024 });
    harness = makeEmbedder({ provider: 'heroku' }, { env: { EMBEDDING_KEY: KEY, EMBEDDING_URL: server.origin } });
    await harness.embedder.embed(texts, 'document');
    await harness.embedder.embed(['q'], 'query');
    expect(server.requests[0].url).toBe('/v1/embeddings');
    expect(server.requests[0].body).toEqual({ model: 'cohere-embed-multilingual', input: texts, input_type: 'search_document' });
    expect(server.requests[1].body.input_type).toBe('search_query');
  });

  it('Mistral: output_dimension and output_dtype', async () => {
    server = await startOpenAIServer();
    harness = makeEmbedder(
      { provider: 'mistral', base_url: server.baseUrl, dimensions: 512, output_dtype: 'int8' },
      { env: { MISTRAL_API_KEY: KEY } },
    );
    expect((await harness.embedder.embed(texts, 'document'))[0].length).toBe(512);
    expect(server.requests[0].body).toEqual({ model: 'codestral-embed', input: texts, output_dimension: 512, output_dtype: 'int8' });
  });

  it('openai-compatible: an unknown model is probed once in init(), never per batch', async () => {
    server = await startOpenAIServer({ dims: 384 });
    harness = makeEmbedder({ provider: 'openai-compatible', base_url: server.baseUrl, model: 'acme-embed' });
    const { embedder } = harness;
    expect(embedder.dimensions).toBeNull();
    await Promise.all([embedder.init(), embedder.init()]);
    await embedder.init();
    expect(embedder.dimensions).toBe(384);
    expect(server.requests).toHaveLength(1);
    await embedder.embed(texts, 'document');
    await embedder.embed(texts, 'document');
    expect(server.requests).toHaveLength(3);
  });

  it('a model with a declared `dimensions` needs no probe', async () => {
    server = await startOpenAIServer({ dims: 384 });
    harness = makeEmbedder({ provider: 'openai-compatible', base_url: server.baseUrl, model: 'acme-embed', dimensions: 384 });
    await harness.embedder.init();
    expect(harness.embedder.dimensions).toBe(384);
    expect(server.requests).toHaveLength(0);
  });
});

describe('factory: keys, defaults and one-line errors', () => {
  const usage = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  it('names the env var when the key is missing', () => {
    expect(usage(() => makeEmbedder({ provider: 'voyage' }))).toBe(
      'voyage: no API key — set VOYAGE_API_KEY (or embedding.api_key_env)',
    );
    expect(usage(() => makeEmbedder({ provider: 'cohere' }))).toBe(
      'cohere: no API key — set CO_API_KEY or COHERE_API_KEY (or embedding.api_key_env)',
    );
    expect(usage(() => makeEmbedder({ provider: 'heroku' }))).toMatch(/set EMBEDDING_KEY or INFERENCE_KEY/);
    expect(usage(() => makeEmbedder({ provider: 'openai', api_key_env: 'MY_KEY' }))).toBe('openai: no API key — set MY_KEY');
  });

  it('uses embedding.api_key_env when given', async () => {
    server = await startOpenAIServer({ dims: 8 });
    harness = makeEmbedder(
      { provider: 'openai-compatible', base_url: server.baseUrl, model: 'm', dimensions: 8, api_key_env: 'ACME_KEY' },
      { env: { ACME_KEY: KEY } },
    );
    await harness.embedder.embed(['x'], 'document');
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('refuses sizes and types the model does not offer, and providers without a default model', () => {
    expect(usage(() => makeEmbedder({ provider: 'voyage', dimensions: 300 }, { env: { VOYAGE_API_KEY: KEY } }))).toBe(
      'voyage: voyage-code-3 cannot produce 300 dimensions (allowed: 256, 512, 1024, 2048) — fix embedding.dimensions',
    );
    expect(
      usage(() => makeEmbedder({ provider: 'openai', model: 'text-embedding-ada-002', dimensions: 512 }, { env: { OPENAI_API_KEY: KEY } })),
    ).toMatch(/cannot produce 512 dimensions \(allowed: only 1536\)/);
    expect(usage(() => makeEmbedder({ provider: 'openai', output_dtype: 'int8' }, { env: { OPENAI_API_KEY: KEY } }))).toMatch(
      /does not offer output_dtype "int8"/,
    );
    expect(usage(() => makeEmbedder({ provider: 'groq' }, { env: { GROQ_API_KEY: KEY } }))).toBe(
      'groq: no default model — set embedding.model to an embedding model',
    );
    expect(usage(() => makeEmbedder({ provider: 'azure' }, { env: { AZURE_OPENAI_API_KEY: KEY } }))).toMatch(/deployment name/);
    expect(usage(() => makeEmbedder({ provider: 'openai-compatible', model: 'm' }))).toMatch(/no endpoint — set embedding.base_url/);
  });

  it('never puts the key in an error, even when the server echoes it', async () => {
    server = await startOpenAIServer();
    server.respond = () => ({ status: 400, json: { error: { message: `Invalid value for 'input' with key ${KEY}` } } });
    harness = makeEmbedder({ provider: 'openai', base_url: server.baseUrl }, { env: { OPENAI_API_KEY: KEY } });
    const err = await harness.embedder.embed(['x'], 'document').catch((e) => e);
    expect(err.message).toMatch(/^openai: HTTP 400 — Invalid value for 'input' with key \*\*\*$/);
    expect(err.message).not.toContain(KEY);

    server.respond = () => ({ status: 401, json: { error: { message: `Incorrect API key provided: ${KEY}` } } });
    const auth = await harness.embedder.embed(['x'], 'document').catch((e) => e);
    expect(auth).toBeInstanceOf(AuthError);
    expect(auth.message).not.toContain(KEY);
  });
});
