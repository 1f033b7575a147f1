import { startLoopbackServer, type CapturedRequest, type LoopbackServer, type Reply } from './loopback.js';

/**
 * Loopback servers speaking each provider's documented embedding wire format, answering
 * with deterministic vectors (`fakeVector`) so a test can check every vector lands on its
 * text. Exported for the end-to-end tests too.
 */

/** A deterministic vector for a text: tests compare results with it to prove order. */
export function fakeVector(text: string, dims: number): number[] {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return Array.from({ length: dims }, (_, i) => Math.round(Math.sin(h + i * 7919) * 1e6) / 1e6);
}

export interface ProviderServerOptions {
  /** OpenAI format: answer `encoding_format: "base64"` with 400, as servers that do not know it do. */
  refuseBase64?: boolean;
  protocol?: 'http' | 'https' | 'h2';
  /** Vector size answered when the request asks for none. */
  dims?: number;
  /** Answer `data[]` in reverse order (with correct `index` fields) to prove we reorder. */
  reverse?: boolean;
  /** Server-side latency per request. */
  latencyMs?: number;
}

export interface ProviderServer extends LoopbackServer {
  /** What to configure as `embedding.base_url`. */
  baseUrl: string;
  /** The provider's normal answer to a captured request (for scripted responders to fall back on). */
  ok(req: CapturedRequest): Reply;
}

function order<T>(items: T[], reverse: boolean | undefined): T[] {
  return reverse ? [...items].reverse() : items;
}

/** As the APIs answer `encoding_format: "base64"`: the vector's little-endian float32 bytes. */
function packFloats(v: number[]): string {
  return Buffer.from(Float32Array.from(v).buffer).toString('base64');
}

/** Voyage POST /v1/embeddings: `{ input, model, input_type, output_dimension }` → `{ data[{embedding,index}], usage }`. */
export function voyageReply(req: CapturedRequest, opts: ProviderServerOptions = {}): Reply {
  const texts: string[] = req.body.input;
  const dims = req.body.output_dimension ?? opts.dims ?? 1024;
  const base64 = req.body.encoding_format === 'base64';
  if (base64 && opts.refuseBase64) return { status: 400, json: { detail: 'Value error, encoding_format: unsupported value' } };
  const encode = (v: number[]) => (base64 ? packFloats(v) : v);
  const data = texts.map((t, index) => ({ object: 'embedding', embedding: encode(fakeVector(t, dims)), index }));
  return {
    delayMs: opts.latencyMs,
    json: { object: 'list', data: order(data, opts.reverse), model: req.body.model, usage: { total_tokens: texts.length * 3 } },
  };
}

/** Cohere POST /v2/embed: `{ texts, model, input_type, embedding_types }` → `{ id, embeddings: { float: [...] }, meta }`. */
export function cohereReply(req: CapturedRequest, opts: ProviderServerOptions = {}): Reply {
  const texts: string[] = req.body.texts;
  const dims = req.body.output_dimension ?? opts.dims ?? 1536;
  const types: string[] = req.body.embedding_types ?? ['float'];
  if (types.includes('base64') && opts.refuseBase64) return { status: 400, json: { message: "invalid embedding_types: 'base64' is not supported for this model" } };
  // base64: the float embedding's bytes appended and encoded, as the API documents.
  const embeddings = Object.fromEntries(types.map((t) => [t, texts.map((x) => (t === 'base64' ? packFloats(fakeVector(x, dims)) : fakeVector(x, dims)))]));
  return {
    delayMs: opts.latencyMs,
    json: {
      id: 'b6c4b0c2-0000-4000-8000-000000000000',
      embeddings,
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.length * 3 } },
      response_type: 'embeddings_by_type',
    },
  };
}

/** OpenAI POST /v1/embeddings: `{ model, input, dimensions? }` → `{ object: 'list', data[{index,embedding}], usage }`. */
export function openAiReply(req: CapturedRequest, opts: ProviderServerOptions = {}): Reply {
  const texts: string[] = req.body.input;
  const dims = req.body.dimensions ?? req.body.output_dimension ?? opts.dims ?? 1536;
  const base64 = req.body.encoding_format === 'base64';
  if (base64 && opts.refuseBase64) return { status: 400, json: { error: { message: "Unrecognized request argument supplied: encoding_format", type: 'invalid_request_error' } } };
  const encode = (v: number[]) => (base64 ? packFloats(v) : v);
  const data = texts.map((t, index) => ({ object: 'embedding', index, embedding: encode(fakeVector(t, dims)) }));
  return {
    delayMs: opts.latencyMs,
    json: {
      object: 'list',
      data: order(data, opts.reverse),
      model: req.body.model,
      usage: { prompt_tokens: texts.length * 3, total_tokens: texts.length * 3 },
    },
  };
}

async function start(
  reply: (req: CapturedRequest, opts: ProviderServerOptions) => Reply,
  basePath: string,
  opts: ProviderServerOptions,
): Promise<ProviderServer> {
  const ok = (req: CapturedRequest) => reply(req, opts);
  const server = await startLoopbackServer({ protocol: opts.protocol, respond: ok });
  return Object.assign(server, { baseUrl: server.origin + basePath, ok });
}

export const startVoyageServer = (opts: ProviderServerOptions = {}) => start(voyageReply, '/v1', opts);
export const startCohereServer = (opts: ProviderServerOptions = {}) => start(cohereReply, '', opts);
export const startOpenAIServer = (opts: ProviderServerOptions = {}) => start(openAiReply, '/v1', opts);
