import type { PooledRequest } from '../http/types.js';
import type { InputType } from './embedder.js';
import { MalformedResponseError } from './errors.js';
import { isSuccess, parseJson, requestExchange, statusError } from '../http/exchange.js';
import { PackedVectors } from './packed.js';
import type { OpenAIDialect } from './providers.js';
import type { WireFormat, WireResult } from './remote-embedder.js';
import { orderByIndex } from './vectors.js';

export interface OpenAICompatibleWireOptions {
  label: string;
  /** The pool's `request` (not fetch: half the CPU per request, see HttpClient.request). */
  request: PooledRequest;
  /** Base URL, e.g. https://api.openai.com/v1 (Azure: the resource endpoint). */
  baseUrl: string;
  dialect: OpenAIDialect;
  model: string;
  apiKey: string | null;
  /** Azure's api-version query parameter. */
  apiVersion?: string;
  /** Asked-for vector size, sent only when the model accepts one. */
  dimensions?: number;
  dtype?: string;
  redact: (s: string) => string;
}

/**
 * POST {base}/embeddings in the OpenAI wire format (`{ model, input: [...] }` →
 * `{ data: [{ index, embedding }], usage }`), spoken by OpenAI, Azure, Fireworks, Groq,
 * Together, Ollama, Cerebras, Heroku and Mistral with the small differences in `dialect`.
 */
export class OpenAICompatibleWire implements WireFormat {
  readonly url: string;
  readonly #o: OpenAICompatibleWireOptions;
  readonly #headers: Record<string, string>;
  /** Vectors are asked for as base64 floats until the server refuses that once. */
  readonly #packed: PackedVectors;

  constructor(options: OpenAICompatibleWireOptions) {
    this.#o = options;
    // Packed only for float vectors: other output types have their own encodings.
    this.#packed = new PackedVectors(Boolean(options.dialect.packedVectors) && options.dtype === undefined);
    const base = options.baseUrl.replace(/\/+$/, '');
    this.url = options.dialect.azureDeployments
      ? `${base}/openai/deployments/${encodeURIComponent(options.model)}/embeddings?api-version=${encodeURIComponent(options.apiVersion ?? '')}`
      : `${base}/embeddings`;
    this.#headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey !== null) {
      if (options.dialect.auth === 'api-key') this.#headers['api-key'] = options.apiKey;
      else this.#headers.authorization = `Bearer ${options.apiKey}`;
    }
  }

  body(texts: string[], inputType: InputType, packed: boolean): Record<string, unknown> {
    const { dialect, model, dimensions, dtype } = this.#o;
    const body: Record<string, unknown> = { model, input: texts };
    if (packed) body.encoding_format = 'base64';
    if (dialect.inputType) body[dialect.inputType.field] = dialect.inputType[inputType];
    if (dimensions !== undefined && dialect.dimensionsField) body[dialect.dimensionsField] = dimensions;
    if (dtype !== undefined && dialect.dtypeField) body[dialect.dtypeField] = dtype;
    return body;
  }

  send(texts: string[], inputType: InputType, signal: AbortSignal): Promise<WireResult> {
    return this.#packed.send((packed) => this.#send(texts, inputType, signal, packed));
  }

  async #send(texts: string[], inputType: InputType, signal: AbortSignal, packed: boolean): Promise<WireResult> {
    const { label, redact } = this.#o;
    const ex = await requestExchange(this.#o.request, this.url, {
      method: 'POST',
      headers: this.#headers,
      body: JSON.stringify(this.body(texts, inputType, packed)),
      signal,
    });
    if (!isSuccess(ex.status)) throw statusError(label, ex, redact);
    const json = parseJson(ex, (what) => new MalformedResponseError(label, what)) as { data?: unknown } | null;
    return { vectors: orderByIndex(label, json?.data, texts.length), bytesSent: ex.bytesSent, bytesReceived: ex.body.byteLength, headers: ex.headers };
  }
}
