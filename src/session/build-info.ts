import { EMBEDDING_PROVIDERS, type EmbeddingConfig, type EmbeddingProviderName } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { IndexMeta } from '../store/vector-store.js';

/**
 * The embedding settings a query must use: the index's own provider, model and size (a query
 * embedded by another model would be compared with vectors it cannot match).
 */
export function queryEmbedderConfig(config: EmbeddingConfig, meta: IndexMeta): EmbeddingConfig {
  if (!(EMBEDDING_PROVIDERS as readonly string[]).includes(meta.provider)) {
    throw new UsageError(`the index was built with unknown provider "${meta.provider}" — rebuild it with cw index --full`);
  }
  return { ...config, provider: meta.provider as EmbeddingProviderName, model: meta.model, dimensions: meta.dimensions ?? undefined };
}
