import path from 'node:path';
import { resolveHttpPoolSettings, type Config } from '../config/schema.js';
import { EmbeddedStore } from './embedded.js';
import type { VectorStore } from './vector-store.js';

export const DEFAULT_QDRANT_URL = 'http://localhost:6333';

export interface CreateStoreDeps {
  env: NodeJS.ProcessEnv;
  onWarning?: (message: string) => void;
}

/** The one place that maps `store.kind` to an implementation. */
export async function createStore(config: Config, root: string, deps: CreateStoreDeps): Promise<VectorStore> {
  const { store } = config;
  if (store.kind === 'embedded') {
    return new EmbeddedStore({ path: path.resolve(root, store.path) });
  }
  // Loaded only when used: an embedded run never pays for the Qdrant client's startup.
  const { QdrantStore, defaultCollectionName } = await import('./qdrant.js');
  // The Qdrant client owns its undici Agent (it takes no dispatcher): size it from our settings.
  const pool = resolveHttpPoolSettings(config.http_pool, 'qdrant');
  return new QdrantStore({
    url: store.url ?? DEFAULT_QDRANT_URL,
    apiKey: deps.env[store.api_key_env] || undefined,
    apiKeyEnv: store.api_key_env,
    collection: store.collection ?? (await defaultCollectionName(root)),
    upsertBatchSize: store.upsert_batch_size,
    maxConnections: pool.max_connections,
    timeoutMs: pool.read_timeout * 1000,
    onWarning: deps.onWarning,
  });
}
