/**
 * The Qdrant store kind in one place: its configuration keys, flags, environment variables and
 * factory.
 */
import { z } from 'zod';
import type { StoreKindModule } from './kind.js';

export const DEFAULT_QDRANT_URL = 'http://localhost:6333';

export const qdrantFields = {
  url: z.url().optional().meta({ description: 'Qdrant URL; defaults to $QDRANT_URL, then http://localhost:6333.' }),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .default('QDRANT_API_KEY')
    .meta({ description: 'Environment variable holding the Qdrant API key.' }),
  collection: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,255}$/, 'letters, digits, _ . - only')
    .optional()
    .meta({ description: 'Qdrant collection; defaults to a name derived from the repository.' }),
  upsert_batch_size: z.number().int().min(1).max(10_000).default(256).meta({ description: 'Points per Qdrant upsert.' }),
};

export interface QdrantSettings {
  kind: 'qdrant';
  url: string;
  apiKeyEnv: string;
  collection: string;
  upsertBatchSize: number;
  maxConnections: number;
  timeoutMs: number;
}

export const qdrantKind: StoreKindModule<QdrantSettings> = {
  name: 'qdrant',
  flags: [
    { option: '--qdrant-url <url>', name: 'qdrantUrl', key: 'url', description: 'Qdrant URL (also $QDRANT_URL)' },
    { option: '--collection <name>', name: 'collection', key: 'collection', description: 'Qdrant collection (an alias of the live collection)' },
  ],
  env: [{ env: 'QDRANT_URL', key: 'url' }],
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
      maxConnections: settings.maxConnections,
      timeoutMs: settings.timeoutMs,
      onWarning: deps.onWarning,
    });
  },
};
