/**
 * What each store kind adds to the configuration: its keys (composed into the `store` section),
 * the flags that set them and the environment variables that supply them. Declared here, below
 * the stores, so that the configuration never depends on the code that runs a store; each kind's
 * factory lives in src/store/kinds/.
 */
import { z } from 'zod';

/** Every store kind; the first is the default. */
export const STORE_KINDS = ['embedded', 'qdrant'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** A flag that sets one of a kind's keys (`store.<key>`). `name` is commander's camelCase property. */
export interface StoreFlag {
  option: string;
  name: string;
  key: string;
  description: string;
}

export const DEFAULT_QDRANT_URL = 'http://localhost:6333';

/** The embedded default: one SQLite file in the repository, no server, no key. */
export const embeddedFields = {
  path: z
    .string()
    .min(1)
    .default('.codeweaver/index.sqlite')
    .meta({ description: 'Embedded index file, relative to the indexed repository.' }),
};

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
  quantization: z
    .enum(['none', 'int8'])
    .default('none')
    .meta({
      description:
        "Qdrant: 'int8' keeps a quarter-size scalar-quantized copy of every dense vector in RAM for the search pass and rescores the best candidates (2x the hits) with the full vectors: for collections too large for their float vectors to fit in memory. Applied to the collection on the next cw index. 'none' (the default) searches the float vectors.",
    }),
};

/** Flags of every kind, for commands that take store options. */
export const STORE_FLAGS: readonly StoreFlag[] = [
  { option: '--qdrant-url <url>', name: 'qdrantUrl', key: 'url', description: 'Qdrant URL (also $QDRANT_URL)' },
  { option: '--collection <name>', name: 'collection', key: 'collection', description: 'Qdrant collection (an alias of the live collection)' },
];

/** Environment variables of every kind that supply one of its keys. */
export const STORE_ENV: ReadonlyArray<{ env: string; key: string }> = [{ env: 'QDRANT_URL', key: 'url' }];
