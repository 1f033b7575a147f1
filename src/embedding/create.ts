import type { EmbeddingConfig, HttpPoolConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { HttpClientPool } from '../http/pool.js';
import type { Embedder } from './embedder.js';
import { LocalLexicalEmbedder } from './local.js';

export interface CreateEmbedderDeps {
  pool: HttpClientPool;
  httpPool: HttpPoolConfig;
  env: NodeJS.ProcessEnv;
}

/** The one place that maps `embedding.provider` to an implementation. */
export function createEmbedder(config: EmbeddingConfig, _deps: CreateEmbedderDeps): Embedder {
  switch (config.provider) {
    case 'local':
      return new LocalLexicalEmbedder();
    default:
      throw new UsageError(`embedding provider "${config.provider}" is not available in this build`);
  }
}
