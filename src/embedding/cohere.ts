import { CohereClientV2 } from 'cohere-ai';
import type { HttpClient } from '../http/types.js';
import type { InputType } from './embedder.js';
import { MalformedResponseError, VectorCountMismatchError } from './errors.js';
import { PackedVectors } from './packed.js';
import { callThroughSdk } from '../http/exchange.js';
import type { WireFormat, WireResult } from './remote-embedder.js';
import { sdkTimeoutSeconds } from '../http/sdk-timeout.js';
import { toVector } from './vectors.js';

type CohereDtype = 'float' | 'int8' | 'uint8' | 'binary' | 'ubinary';

export interface CohereWireOptions {
  client: HttpClient;
  baseUrl: string;
  apiKey: string;
  model: string;
  outputDimension?: number;
  dtype: CohereDtype;
  redact: (s: string) => string;
}

const INPUT_TYPE = { document: 'search_document', query: 'search_query' } as const;

/**
 * Cohere's POST /v2/embed through the official SDK (CohereClientV2), over the pooled fetch,
 * SDK retries off; vectors come back under `embeddings.<type>` in input order.
 */
export class CohereWire implements WireFormat {
  readonly #o: CohereWireOptions;
  readonly #timeoutInSeconds: number;

  /** Float vectors are asked for packed (`base64`) until the model refuses that once. */
  readonly #packed: PackedVectors;

  constructor(options: CohereWireOptions) {
    this.#o = options;
    this.#timeoutInSeconds = sdkTimeoutSeconds(options.client.settings);
    this.#packed = new PackedVectors(options.dtype === 'float');
  }

  send(texts: string[], inputType: InputType, signal: AbortSignal): Promise<WireResult> {
    return this.#packed.send((packed) => this.#send(texts, inputType, signal, packed ? 'base64' : this.#o.dtype));
  }

  async #send(texts: string[], inputType: InputType, signal: AbortSignal, type: string): Promise<WireResult> {
    const { client, baseUrl, apiKey, model, outputDimension, redact } = this.#o;
    const { response, exchange: ex } = await callThroughSdk(client.fetch, 'cohere', redact, (fetch) =>
      new CohereClientV2({ token: apiKey, baseUrl, fetch, maxRetries: 0, timeoutInSeconds: this.#timeoutInSeconds }).embed(
        // The SDK serialises an undefined field as null: leave it out instead.
        { texts, model, inputType: INPUT_TYPE[inputType], embeddingTypes: [type as never], ...(outputDimension ? { outputDimension } : {}) },
        { abortSignal: signal, maxRetries: 0 },
      ),
    );
    // base64 rows are the float bytes, decoded by toVector with one copy.
    const rows: unknown = (response?.embeddings as Record<string, unknown> | undefined)?.[type];
    if (!Array.isArray(rows)) throw new MalformedResponseError('cohere', `no \`embeddings.${type}\` array`);
    if (rows.length !== texts.length) throw new VectorCountMismatchError('cohere', texts.length, rows.length);
    return { vectors: rows.map((row) => toVector('cohere', row)), bytesSent: ex.bytesSent, bytesReceived: ex.body.byteLength, headers: ex.headers };
  }
}
