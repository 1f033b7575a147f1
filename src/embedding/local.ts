import type { Embedder, EmbedderStats } from './embedder.js';

/**
 * The offline default: no vectors at all. Search is lexical (BM25 over the store's
 * full-text index), so `cw index .` works with no key and no network.
 */
export class LocalLexicalEmbedder implements Embedder {
  readonly provider = 'local' as const;
  readonly model = 'bm25';
  readonly dimensions = null;
  readonly endpoint = null;
  readonly pricePerMillionTokens = 0;
  // Lexical chunks are never sent anywhere; the limits only bound chunk size.
  readonly limits = { maxInputTokens: 8192, maxBatchItems: 1024, maxBatchTokens: 1_000_000 };

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    throw new Error('the local provider is lexical only and produces no vectors');
  }

  stats(): EmbedderStats {
    return {
      requests: 0,
      retries: 0,
      rate_limited: 0,
      rate_limit_wait_ms: 0,
      connections_opened: 0,
      bytes_sent: 0,
      bytes_received: 0,
      latency_ms: { p50: 0, p95: 0 },
    };
  }
}
