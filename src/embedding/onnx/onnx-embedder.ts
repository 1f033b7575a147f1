/**
 * A sentence-embedding model run in this process with ONNX Runtime: no key, no server. Texts are
 * tokenized with the model's own tokenizer.json (Tokenizers.js), cut to the model's input limit
 * (at most MAX_INPUT_TOKENS), padded per batch; the graph runs on ONNX Runtime's own threads
 * (`embedding.threads`, default every core), off the main thread; the last hidden state is pooled
 * as the model was trained (mean over the attention mask, the first token, or the last) and
 * normalised, so a dot product is a cosine. One batch runs at a time: ONNX Runtime already
 * spreads one over every core, and two at once would only share them.
 */
import { availableParallelism } from 'node:os';
import type { Tokenizer as TokenizerType } from '@huggingface/tokenizers';
import { CodeweaverError } from '../../errors.js';
import type { HubDownloader } from '../hub/download.js';
import type { Embedder, EmbedderLimits, EmbedderStats, InputType } from '../embedder.js';
import { LatencyReservoir } from '../latency.js';
import { estimateTokens } from '../../chunking/tokens.js';
import { knownOnnxModel, type Pooling } from './known-models.js';
import { modelFiles, type ModelFiles } from './model-files.js';
import { loadOnnxRuntime, type OrtModule, type OrtSession, type OrtTensor } from './runtime.js';

/**
 * Longest input fed to the model, in its tokens, whatever its own limit (the default reads 8,192).
 * Attention's work grows with the length squared: one input of the default's shape took 0.19 s at
 * ~480 tokens, 0.5 s at ~960, 2.2 s at ~2,000 and 47 s at 8,192 on 2 cores (bench/README, "A local
 * model"). A chunk is shorter than this (chunk_tokens); a whole issue pasted as a query is read up
 * to here, as the first lines of it the search embeds anyway.
 */
export const MAX_INPUT_TOKENS = 1_024;

/** Most inputs per inference. */
const BATCH_ITEMS = 32;
/**
 * Most padded tokens per inference (inputs × the longest one's length). Attention's memory grows
 * with inputs × length²: on a MiniLM-sized model (bench/onnx-bench.mjs) a budget of 32 × 512
 * peaked at 2.1 GB RSS, 4,096 at 865 MB, 2,048 at 542 MB, for the same chunks/s. So long inputs
 * go 4 at a time and short ones up to 32; inputs are sorted by length first, so a batch pads little.
 */
const BATCH_TOKENS = 2_048;

/**
 * Models loaded in this process, by name and threads, with their inference queue: a long-lived
 * `cw mcp` or `cw watch` loads a model once for its index runs and its queries alike (one copy in
 * memory, one inference at a time over every core), and an embedder's close leaves it loaded.
 */
interface SharedModel {
  loaded: Promise<Loaded>;
  queue: Promise<unknown>;
}
const LOADED = new Map<string, SharedModel>();

/** How many models this process holds loaded (or loading). */
export function loadedModelCount(): number {
  return LOADED.size;
}

export interface OnnxEmbedderOptions {
  model: string;
  env: NodeJS.ProcessEnv;
  /** Fetches the model's files (null: the model is a local directory). */
  hub: HubDownloader | null;
  threads?: number;
}

interface Loaded {
  files: ModelFiles;
  session: OrtSession;
  ort: OrtModule;
  tokenizer: TokenizerType;
}

export class OnnxEmbedder implements Embedder {
  readonly provider = 'onnx' as const;
  readonly model: string;
  readonly endpoint = null;
  /** Nothing to pay: a dry run states the time instead (the session's estimate). */
  readonly pricePerMillionTokens = 0;
  readonly #o: OnnxEmbedderOptions;
  readonly #threads: number;
  #loaded: Promise<Loaded> | undefined;
  #files: ModelFiles | null = null;
  #closed = false;
  readonly #latency = new LatencyReservoir(1024);
  #stats = { requests: 0, retries: 0, rate_limited: 0, bytes_sent: 0, bytes_received: 0 };

  constructor(options: OnnxEmbedderOptions) {
    this.#o = options;
    this.model = options.model;
    this.#threads = options.threads ?? Math.max(1, availableParallelism());
  }

  get dimensions(): number | null {
    return this.#files?.hiddenSize ?? null;
  }

  get limits(): EmbedderLimits {
    const max = inputLimit(this.#files);
    return { maxInputTokens: max, maxBatchItems: BATCH_ITEMS, maxBatchTokens: BATCH_ITEMS * max };
  }

  /** Fetches (when missing) and loads the model: once for the embedder's life (a `cw mcp` loads it once). */
  init(signal?: AbortSignal): Promise<void> {
    return this.#load(signal).then(() => undefined);
  }

  async embed(texts: string[], inputType: InputType, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.#closed) throw new CodeweaverError(`onnx: ${this.model}: the embedder is closed`);
    if (texts.length === 0) return [];
    const loaded = await this.#load(signal);
    const prefix = knownOnnxModel(this.model)?.prefixes?.[inputType] ?? '';
    const max = inputLimit(loaded.files);
    const encoded = texts.map((t) => truncate(loaded.tokenizer.encode(prefix + t).ids, max));
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.length - encoded[b]!.length);
    const out = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; ) {
      // As many inputs as fit the token budget at the longest one's length (they are sorted).
      let end = start + 1;
      while (end < order.length && end - start < BATCH_ITEMS && (end - start + 1) * encoded[order[end]!]!.length <= BATCH_TOKENS) end++;
      const members = order.slice(start, end);
      const shared = this.#shared()!;
      const run = shared.queue.then(() => this.#infer(loaded, members.map((i) => encoded[i]!)));
      shared.queue = run.catch(() => undefined);
      const vectors = await run;
      members.forEach((i, k) => (out[i] = vectors[k]!));
      if (signal?.aborted) throw signal.reason;
      start = end;
    }
    return out;
  }

  async measureTokensPerSecond(signal?: AbortSignal): Promise<number> {
    // Chunk-sized code-like texts (~300 estimated tokens each), one full batch's worth, after a
    // warm-up run: what an index run's batches cost, not the first inference's set-up.
    const line = 'const value = computeResult(input, options); // handle the request and return\n';
    const sample = Array.from({ length: 8 }, (_, i) => `${i} ${line.repeat(12)}`);
    await this.embed(sample.slice(0, 1), 'document', signal);
    const started = performance.now();
    await this.embed(sample, 'document', signal);
    const seconds = (performance.now() - started) / 1000;
    return sample.reduce((n, t) => n + estimateTokens(t), 0) / Math.max(seconds, 1e-3);
  }

  stats(): EmbedderStats {
    return { ...this.#stats, rate_limit_wait_ms: 0, connections_opened: 0, latency_ms: { p50: this.#latency.percentile(50), p95: this.#latency.percentile(95) } };
  }

  /** Stops this embedder; the loaded model stays for the process's other embedders (see LOADED). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#shared()?.queue;
  }

  /** The process-wide entry of this model, once loading has begun. */
  #shared(): SharedModel | undefined {
    return LOADED.get(this.#key());
  }

  #key(): string {
    return `${this.model}\0${this.#threads}`;
  }

  #load(signal?: AbortSignal): Promise<Loaded> {
    const key = this.#key();
    const shared = LOADED.get(key);
    if (shared) {
      this.#loaded ??= shared.loaded.then((l) => ((this.#files = l.files), l));
      return this.#loaded;
    }
    this.#loaded = (async () => {
      const files = await modelFiles(this.model, this.#o.hub, signal);
      const ort = await loadOnnxRuntime(this.#o.env);
      const { Tokenizer } = await import('@huggingface/tokenizers');
      const session = await ort.InferenceSession.create(files.onnx, {
        intraOpNumThreads: this.#threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
      });
      if (!session.inputNames.includes('input_ids')) {
        await session.release();
        throw new CodeweaverError(`onnx: ${this.model}: the graph takes no input_ids (${session.inputNames.join(', ')}) — not a text-embedding export`, 'usage');
      }
      this.#files = files;
      return { files, session, ort, tokenizer: new Tokenizer(files.tokenizer, files.tokenizerConfig) };
    })();
    const entry: SharedModel = { loaded: this.#loaded, queue: Promise.resolve() };
    LOADED.set(key, entry);
    // A missing runtime or model: not kept, the next run asks again.
    this.#loaded.catch(() => {
      this.#loaded = undefined;
      if (LOADED.get(key) === entry) LOADED.delete(key);
    });
    return this.#loaded;
  }

  async #infer(loaded: Loaded, encoded: number[][]): Promise<Float32Array[]> {
    const started = performance.now();
    const { files, session, ort } = loaded;
    const width = Math.max(...encoded.map((ids) => ids.length));
    const ids = new BigInt64Array(encoded.length * width);
    const mask = new BigInt64Array(encoded.length * width);
    encoded.forEach((row, r) => {
      for (let c = 0; c < row.length; c++) {
        ids[r * width + c] = BigInt(row[c]!);
        mask[r * width + c] = 1n;
      }
    });
    const dims = [encoded.length, width];
    const feeds: Record<string, OrtTensor> = { input_ids: new ort.Tensor('int64', ids, dims) };
    if (session.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, dims);
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
    const outputs = await session.run(feeds);
    const name = session.outputNames.includes('sentence_embedding') ? 'sentence_embedding' : session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]!;
    const output = outputs[name]!;
    const vectors = pool(output, encoded.map((r) => r.length), files.pooling, files.hiddenSize);
    for (const t of Object.values(outputs)) t.dispose?.();
    this.#stats.requests++;
    this.#latency.record(performance.now() - started);
    return vectors;
  }
}

/** Tokens an input is cut to: the model's own limit (512 until it is loaded), at most MAX_INPUT_TOKENS. */
function inputLimit(files: ModelFiles | null): number {
  return Math.min(files?.maxTokens ?? 512, MAX_INPUT_TOKENS);
}

/** The model's input limit, keeping the final special token ([SEP], </s>) where there is one. */
function truncate(ids: number[], max: number): number[] {
  return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1]!];
}

/** One normalised vector per text from [batch, seq, hidden] (pooled here) or [batch, hidden] (pooled by the graph). */
function pool(output: OrtTensor, lengths: number[], pooling: Pooling, hidden: number): Float32Array[] {
  const data = output.data as Float32Array;
  const [batch, second, third] = output.dims as number[];
  const vectors: Float32Array[] = [];
  for (let b = 0; b < batch!; b++) {
    const v = new Float32Array(hidden);
    if (third === undefined) {
      v.set(data.subarray(b * second!, b * second! + hidden));
    } else {
      const seq = second!;
      const base = b * seq * third;
      const n = lengths[b]!;
      if (pooling === 'cls' || pooling === 'last') {
        const at = pooling === 'cls' ? 0 : n - 1;
        v.set(data.subarray(base + at * third, base + at * third + hidden));
      } else {
        for (let t = 0; t < n; t++) for (let d = 0; d < hidden; d++) v[d]! += data[base + t * third + d]!;
        for (let d = 0; d < hidden; d++) v[d]! /= n;
      }
    }
    let norm = 0;
    for (let d = 0; d < hidden; d++) norm += v[d]! * v[d]!;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < hidden; d++) v[d]! /= norm;
    vectors.push(v);
  }
  return vectors;
}
