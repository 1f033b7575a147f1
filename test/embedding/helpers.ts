import { EmbeddingConfigSchema, type EmbeddingConfig, type HttpPoolConfig } from '../../src/config/schema.js';
import { createEmbedder } from '../../src/embedding/create.js';
import type { RemoteEmbedder } from '../../src/embedding/remote-embedder.js';
import { HttpClientPool } from '../../src/http/pool.js';
import type { RetryEvent, RetryPolicy } from '../../src/http/retry.js';
import { TLS_CERT } from './servers/index.js';

/** Tiny backoffs so fault tests stay fast; the policy's shape is the production one. */
export const TINY_RETRIES: RetryPolicy = { maxAttempts: 6, maxTotalWaitMs: 10_000, baseDelayMs: 2, maxDelayMs: 10 };

export const KEY = 'sk-test-SECRET-0123456789';

export interface Harness {
  pool: HttpClientPool;
  embedder: RemoteEmbedder;
}

/** A real pool (trusting the loopback cert) and an embedder built by the real factory. */
export function makeEmbedder(
  config: Partial<EmbeddingConfig> & { provider: EmbeddingConfig['provider'] },
  opts: {
    env?: NodeJS.ProcessEnv;
    httpPool?: HttpPoolConfig;
    retryPolicy?: RetryPolicy;
    onRetry?: (event: RetryEvent) => void;
  } = {},
): Harness {
  const httpPool = opts.httpPool ?? {};
  const pool = new HttpClientPool(httpPool, { ca: TLS_CERT });
  const embedder = createEmbedder(EmbeddingConfigSchema.parse(config), {
    pool,
    httpPool,
    env: opts.env ?? {},
    retryPolicy: opts.retryPolicy ?? TINY_RETRIES,
    random: () => 0.5,
    onRetry: opts.onRetry,
  }) as RemoteEmbedder;
  return { pool, embedder };
}

export const asArrays = (vs: Float32Array[]) => vs.map((v) => Array.from(v));
export const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));

/** A promise for the first retry the embedder reports, and the hook that resolves it. */
export function firstRetry(): { hook: (event: RetryEvent) => void; seen: Promise<RetryEvent> } {
  let hook!: (event: RetryEvent) => void;
  const seen = new Promise<RetryEvent>((resolve) => {
    hook = resolve;
  });
  return { hook, seen };
}
