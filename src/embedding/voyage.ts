import { VoyageAIClient } from 'voyageai';
import type { HttpClient } from '../http/types.js';
import type { InputType } from './embedder.js';
import { MalformedResponseError } from './errors.js';
import { PackedVectors } from './packed.js';
import { callThroughSdk } from '../http/exchange.js';
import type { WireResult, WireFormat } from './remote-embedder.js';
import { sdkTimeoutSeconds } from '../http/sdk-timeout.js';
import { orderByIndex } from './vectors.js';

export interface VoyageWireOptions {
  client: HttpClient;
  baseUrl: string;
  apiKey: string;
  model: string;
  outputDimension?: number;
  outputDtype?: 'float' | 'int8' | 'uint8' | 'binary' | 'ubinary';
  redact: (s: string) => string;
}

/**
 * Voyage's POST /v1/embeddings through the official SDK, over the pooled fetch, with the
 * SDK's own retries off. A fresh (cheap) SDK client per attempt lets each attempt record
 * its own exchange, so transport errors keep their type (see recordingFetch).
 */
export class VoyageWire implements WireFormat {
  readonly #o: VoyageWireOptions;
  readonly #timeoutInSeconds: number;
  /** Only float vectors come packed: int8 and bit types keep their integer lists. */
  readonly #packed: PackedVectors;

  constructor(options: VoyageWireOptions) {
    this.#o = options;
    this.#packed = new PackedVectors(options.outputDtype === undefined || options.outputDtype === 'float');
    this.#timeoutInSeconds = sdkTimeoutSeconds(options.client.settings);
  }

  send(texts: string[], inputType: InputType, signal: AbortSignal): Promise<WireResult> {
    return this.#packed.send((packed) => this.#send(texts, inputType, signal, packed));
  }

  async #send(texts: string[], inputType: InputType, signal: AbortSignal, packed: boolean): Promise<WireResult> {
    const { client, baseUrl, apiKey, model, outputDimension, outputDtype, redact } = this.#o;
    // Packed vectors (base64 float32s) spare the SDK's per-number response transform and our parse.
    const encodingFormat = packed ? ('base64' as const) : undefined;
    const { response, exchange: ex } = await callThroughSdk(client.fetch, 'voyage', redact, (fetch) =>
      new VoyageAIClient({ apiKey, baseUrl, fetch, maxRetries: 0, timeoutInSeconds: this.#timeoutInSeconds }).embed(
        { input: texts, model, inputType, outputDimension, outputDtype, encodingFormat },
        { abortSignal: signal, maxRetries: 0 },
      ),
    );
    if (!Array.isArray(response?.data)) throw new MalformedResponseError('voyage', 'no `data` array');
    return { vectors: orderByIndex('voyage', response.data, texts.length), bytesSent: ex.bytesSent, bytesReceived: ex.body.byteLength, headers: ex.headers };
  }
}
