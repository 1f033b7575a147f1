/**
 * The Qdrant store kind: its settings and its factory (its keys, flags and environment
 * variables: config/store-kinds.ts).
 */
import { DEFAULT_QDRANT_URL } from '../../config/store-kinds.js';
import type { QuantizationSetting } from '../qdrant/quantization.js';
import type { StoreKindModule } from './kind.js';

export interface QdrantSettings {
  kind: 'qdrant';
  url: string;
  apiKeyEnv: string;
  collection: string;
  upsertBatchSize: number;
  quantization: QuantizationSetting;
  maxConnections: number;
  timeoutMs: number;
}

export const qdrantKind: StoreKindModule<QdrantSettings> = {
  name: 'qdrant',
  async settings(store, root, httpFor) {
    const { defaultCollectionName } = await import('../qdrant/collection-name.js');
    // The Qdrant client owns its undici Agent (it takes no dispatcher): size it from our settings.
    const pool = httpFor('qdrant');
    return {
      kind: 'qdrant',
      url: store.url ?? DEFAULT_QDRANT_URL,
      apiKeyEnv: store.api_key_env,
      collection: store.collection ?? (await defaultCollectionName(root)),
      upsertBatchSize: store.upsert_batch_size,
      quantization: store.quantization,
      maxConnections: pool.max_connections,
      timeoutMs: pool.read_timeout * 1000,
    };
  },
  async create(settings, deps) {
    // Loaded only when used: an embedded run never pays for the Qdrant client's startup.
    const { QdrantStore } = await import('../qdrant.js');
    return new QdrantStore({
      url: settings.url,
      apiKey: deps.env[settings.apiKeyEnv] || undefined,
      apiKeyEnv: settings.apiKeyEnv,
      collection: settings.collection,
      upsertBatchSize: settings.upsertBatchSize,
      quantization: settings.quantization,
      maxConnections: settings.maxConnections,
      timeoutMs: settings.timeoutMs,
      onWarning: deps.onWarning,
    });
  },
};
