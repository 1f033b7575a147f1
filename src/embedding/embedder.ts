import type { EmbeddingProviderName } from '../config/schema.js';

export type InputType = 'document' | 'query';

export interface EmbedderLimits {
  /** Most tokens in one input; chunks are sized below this so none is ever truncated. */
  maxInputTokens: number;
  /** Most inputs in one request. */
  maxBatchItems: number;
  /** Most tokens (summed over inputs) in one request. */
  maxBatchTokens: number;
}

/** Per-provider figures for the run summary (`--json` → `providers.<name>`). */
export interface EmbedderStats {
  requests: number;
  retries: number;
  rate_limited: number;
  /** Time requests waited for the requests/tokens-per-minute budget (ms, summed over requests). */
  rate_limit_wait_ms: number;
  connections_opened: number;
  bytes_sent: number;
  bytes_received: number;
  latency_ms: { p50: number; p95: number };
}

/**
 * Turns texts into vectors. The pipeline batches chunks within `limits`, calls `embed`
 * with up to `concurrency` batches in flight, and relies on the embedder for retries,
 * rate-limit cool-down and adaptive concurrency (one layer: ours, never the SDK's).
 */
export interface Embedder {
  readonly provider: EmbeddingProviderName;
  readonly model: string;
  /** Where requests go, for messages (credentials removed); null when nothing is sent anywhere. */
  readonly endpoint: string | null;
  /** Vector size; null means lexical only (the `local` provider): no vectors at all. */
  readonly dimensions: number | null;
  readonly limits: EmbedderLimits;
  /** USD per million input tokens, when known: used for `--dry-run` estimates. */
  readonly pricePerMillionTokens: number | null;
  /** Called once per run before the first batch: probes `dimensions` of unknown models, checks credentials cheaply where possible. */
  init(signal?: AbortSignal): Promise<void>;
  /**
   * Embeds texts in order. Resolves with exactly one vector per text, in the same order,
   * or rejects: never drops or reorders an input.
   */
  embed(texts: string[], inputType: InputType, signal?: AbortSignal): Promise<Float32Array[]>;
  stats(): EmbedderStats;
  /**
   * A model run here (onnx): its throughput on this machine, in estimated tokens per second,
   * timed on a sample after init(). Remote providers leave it out (they state a price instead).
   */
  measureTokensPerSecond?(signal?: AbortSignal): Promise<number>;
  /**
   * Cancels requests in flight and refuses new ones. Idempotent. The connections belong to the
   * pool, which its owner (the session) closes.
   */
  close(): Promise<void>;
}
