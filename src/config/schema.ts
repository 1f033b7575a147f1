import { z } from 'zod';
import { fetchableUrl } from './http-url.js';
import { DEFAULT_PATH_PRIORS, type PathPriorKind } from './path-priors.js';
import { embeddedFields, qdrantFields, STORE_KINDS } from './store-kinds.js';

/**
 * The configuration file's one schema. Key names are a public contract: add, never rename.
 * Times are in seconds. Every key has a default, so an empty file is valid.
 *
 * `http_pool` keys are optional in the parsed value on purpose: a provider client's
 * effective settings are layered (built-in defaults → provider defaults → the user's
 * explicit top-level keys → the user's per-provider keys), and that needs to know which
 * keys the user actually wrote. See `resolveHttpPoolSettings`.
 */

export const EMBEDDING_PROVIDERS = [
  'local',
  'voyage',
  'cohere',
  'openai',
  'azure',
  'fireworks',
  'groq',
  'together',
  'ollama',
  'cerebras',
  'heroku',
  'mistral',
  'openai-compatible',
  'onnx',
] as const;
export type EmbeddingProviderName = (typeof EMBEDDING_PROVIDERS)[number];

/** Names of the pooled HTTP clients: every remote embedding provider, the jina reranker, and the Qdrant store. */
export const HTTP_CLIENT_NAMES = [...EMBEDDING_PROVIDERS.filter((p) => p !== 'local' && p !== 'onnx'), 'jina', 'huggingface', 'qdrant'] as const;

export { STORE_KINDS, type StoreKind } from './store-kinds.js';

/** Built-in defaults for every pooled client. */
export const HTTP_POOL_DEFAULTS = {
  max_connections: 100,
  max_keepalive_connections: 20,
  keepalive_expiry: 5,
  connect_timeout: 10,
  read_timeout: 60,
  write_timeout: 10,
  pool_timeout: 5,
  enable_http2: true,
} as const;

/** Defaults that embedding-provider clients get on top of HTTP_POOL_DEFAULTS. */
export const PROVIDER_POOL_DEFAULTS = {
  max_connections: 50,
  read_timeout: 90,
  // A dense run's demand comes in waves (the pipeline is CPU-bound): with 5 s, the connections
  // used least idled out between waves and were opened again (27 opened for concurrency 16
  // over HTTP/1.1; 16 with 30 s). A server's own Keep-Alive hint still shortens it.
  keepalive_expiry: 30,
} as const;

const seconds = (max: number) => z.number().positive().max(max);

const httpPoolFields = {
  max_connections: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .meta({ description: 'Most sockets open to one origin at once.', default: HTTP_POOL_DEFAULTS.max_connections }),
  max_keepalive_connections: z.number().int().min(0).max(10_000).meta({
    description: 'Most idle sockets kept open for reuse; extra idle sockets are closed.',
    default: HTTP_POOL_DEFAULTS.max_keepalive_connections,
  }),
  keepalive_expiry: z
    .number()
    .min(0)
    .max(3600)
    .meta({ description: 'Seconds an idle socket stays open.', default: HTTP_POOL_DEFAULTS.keepalive_expiry }),
  connect_timeout: seconds(600).meta({
    description: 'Seconds to establish a connection (TCP + TLS).',
    default: HTTP_POOL_DEFAULTS.connect_timeout,
  }),
  read_timeout: seconds(3600).meta({
    description: 'Seconds to wait for response headers, and between body chunks.',
    default: HTTP_POOL_DEFAULTS.read_timeout,
  }),
  write_timeout: seconds(3600).meta({
    description: 'Seconds to send the request body.',
    default: HTTP_POOL_DEFAULTS.write_timeout,
  }),
  pool_timeout: seconds(3600).meta({
    description: 'Seconds a request may wait for a free connection.',
    default: HTTP_POOL_DEFAULTS.pool_timeout,
  }),
  enable_http2: z
    .boolean()
    .meta({ description: 'Negotiate HTTP/2 over TLS (ALPN) when the server offers it.', default: true }),
};

export const HttpPoolOverridesSchema = z.strictObject(
  Object.fromEntries(Object.entries(httpPoolFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof httpPoolFields]: z.ZodOptional<(typeof httpPoolFields)[K]>;
  },
);
export type HttpPoolOverrides = z.infer<typeof HttpPoolOverridesSchema>;

/** Fully resolved settings of one pooled client. */
export type HttpPoolSettings = { -readonly [K in keyof typeof HTTP_POOL_DEFAULTS]: (typeof HTTP_POOL_DEFAULTS)[K] extends boolean ? boolean : number };

// One definition in the JSON Schema ($defs), referenced by every client name.
const HttpClientOverridesSchema = HttpPoolOverridesSchema.meta({
  id: 'http_client_overrides',
  description: 'Settings of one pooled client; each key overrides the top-level one.',
});

export const HttpPoolConfigSchema = HttpPoolOverridesSchema.extend({
  // A closed set of names, so that a typo (`voyag`) is refused like every other unknown key
  // rather than configuring a client nothing ever asks for.
  providers: z
    .strictObject(
      Object.fromEntries(HTTP_CLIENT_NAMES.map((name) => [name, HttpClientOverridesSchema.optional()])) as Record<
        (typeof HTTP_CLIENT_NAMES)[number],
        z.ZodOptional<typeof HttpClientOverridesSchema>
      >,
    )
    .optional()
    .meta({ description: 'Per-client overrides, keyed by client name (an embedding provider, or qdrant).' }),
});
export type HttpPoolConfig = z.infer<typeof HttpPoolConfigSchema>;

export const EmbeddingConfigSchema = z.strictObject({
  provider: z
    .enum(EMBEDDING_PROVIDERS)
    .default('local')
    .meta({ description: 'Embedding provider. `local` is the offline lexical (BM25) default; `onnx` runs a model in process (no key, no server).' }),
  model: z.string().min(1).optional().meta({ description: "Model name; defaults to the provider's code model. onnx: a Hugging Face repository with an ONNX export (org/name[@revision]) or a directory holding one." }),
  base_url: fetchableUrl().optional().meta({ description: "API base URL; defaults to the provider's public endpoint." }),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional()
    .meta({ description: "Environment variable holding the API key; defaults to the provider's usual one." }),
  api_version: z.string().min(1).optional().meta({ description: 'Azure OpenAI api-version.' }),
  dimensions: z.number().int().min(1).max(65_536).optional().meta({ description: 'Output vector size.' }),
  output_dtype: z
    .enum(['float', 'int8', 'uint8', 'binary', 'ubinary'])
    .optional()
    .meta({ description: 'Output data type, where the model supports it.' }),
  batch_size: z.number().int().min(1).max(4096).default(128).meta({ description: 'Most chunks per request.' }),
  concurrency: z.number().int().min(1).max(512).default(8).meta({ description: 'Most requests in flight.' }),
  threads: z
    .number()
    .int()
    .min(1)
    .max(256)
    .optional()
    .meta({ description: 'onnx: threads the model runs on (default: every core this process may use).' }),
  quantized: z
    .boolean()
    .optional()
    .meta({
      description:
        "onnx: run the model's int8 export (onnx/model_quantized.onnx, as the ONNX community publishes it): ~1.5x faster on a CPU, a quarter of the download; its retrieval quality is not published. The index records it as the model's name with #q8.",
    }),
  requests_per_minute: z
    .number()
    .positive()
    .optional()
    .meta({ description: "The account's request limit per minute: requests are paced to stay under it (default: the API's x-ratelimit headers, where it sends them)." }),
  tokens_per_minute: z
    .number()
    .positive()
    .optional()
    .meta({ description: "The account's token limit per minute: requests are paced to stay under it (default: the API's x-ratelimit headers, where it sends them)." }),
});
export type EmbeddingConfig = z.infer<typeof EmbeddingConfigSchema>;

/** The keys of every store kind (config/store-kinds.ts): `--store` switches between them. */
export const StoreConfigSchema = z.strictObject({
  kind: z.enum(STORE_KINDS).default('embedded').meta({ description: 'embedded (SQLite, no server) or qdrant.' }),
  ...embeddedFields,
  ...qdrantFields,
});
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

export const IndexingConfigSchema = z.strictObject({
  include: z.array(z.string().min(1)).default([]).meta({ description: 'Globs to index (all files when empty).' }),
  exclude: z.array(z.string().min(1)).default([]).meta({ description: 'Globs never to index.' }),
  max_file_size: z
    .number()
    .int()
    .min(1)
    .max(1024 ** 3)
    .default(1_048_576)
    .meta({ description: 'Files larger than this (bytes) are skipped.' }),
  chunk_tokens: z.number().int().min(32).max(32_768).default(512).meta({ description: 'Target chunk size in tokens.' }),
  respect_gitignore: z.boolean().default(true).meta({ description: 'Honour .gitignore files.' }),
  skip_secret_files: z
    .boolean()
    .default(true)
    .meta({ description: 'Never read files that hold secrets by their name: .env and .env.* (not .env.example), private keys (id_rsa, *.pem, *.key), credential files (.npmrc, .netrc, credentials.json, …).' }),
  skip_generated: z
    .boolean()
    .default(true)
    .meta({
      description:
        'Leave out generated code: by name (*.pb.go, *_pb2.py, *.generated.*, …) or by a header comment in its first 10 lines (@generated, <auto-generated>, or "generated" with "do not edit/modify"). false indexes them like any file.',
    }),
  redact_secrets: z
    .boolean()
    .default(true)
    .meta({
      description:
        'Replace secrets found inside indexed files (provider tokens, private key blocks, random-looking values assigned to secret names) with <redacted:rule> before they are chunked: never stored, never sent to a provider.',
    }),
  parser: z
    .enum(['auto', 'wasm'])
    .default('auto')
    .meta({
      description:
        "How files are parsed: 'auto' uses the native tree-sitter grammars where their prebuilt binaries load and WASM where they do not; 'wasm' never loads native code. Both give the same chunks.",
    }),
});
export type IndexingConfig = z.infer<typeof IndexingConfigSchema>;

/** One multiplier of `search.path_priors`: 1 leaves such hits where their words put them. */
const prior = (kind: PathPriorKind, what: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .default(DEFAULT_PATH_PRIORS[kind])
    .meta({ description: `Score multiplier for hits in ${what}, for a question about code (not applied when the query asks for tests or docs). 1 ranks them like code.` });

/** Rerank APIs: Voyage's and Cohere's own, and the Jina-style /v1/rerank that vLLM, Infinity and TEI servers speak. */
export const RERANK_PROVIDERS = ['voyage', 'cohere', 'jina'] as const;
export type RerankProviderName = (typeof RERANK_PROVIDERS)[number];

/**
 * 50 candidates by default: wide enough that the right file, which a first stage places in its
 * top 50 for most queries where it is not first (bench/README: top-10 82–85%, and deeper ranks
 * rarely add it), gets its chance, while one request stays small (50 chunks of ~512 tokens, about
 * 25 k tokens: inside every rerank API's per-request limit, and a fraction of a cent).
 */
export const DEFAULT_RERANK_CANDIDATES = 50;

export const RerankConfigSchema = z.strictObject({
  provider: z
    .enum(RERANK_PROVIDERS)
    .optional()
    .meta({ description: 'Reranker that reorders the best first-stage hits: voyage, cohere, or jina (any server speaking the Jina-style /v1/rerank API: vLLM, Infinity, text-embeddings-inference). Off when unset.' }),
  model: z.string().min(1).optional().meta({ description: 'Rerank model; default rerank-2.5 (voyage), rerank-v3.5 (cohere), jina-reranker-v2-base-multilingual (jina).' }),
  base_url: fetchableUrl().optional().meta({ description: "Rerank API base URL; defaults to the provider's public endpoint." }),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional()
    .meta({ description: "Environment variable holding the key; defaults to the provider's usual one (VOYAGE_API_KEY, CO_API_KEY, JINA_API_KEY). A self-hosted jina server may need none." }),
  candidates: z
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(DEFAULT_RERANK_CANDIDATES)
    .meta({ description: 'How many first-stage hits are reranked per search (more: better odds for a hit ranked low, more tokens per search).' }),
});
export type RerankConfig = z.infer<typeof RerankConfigSchema>;

export const SearchConfigSchema = z.strictObject({
  path_priors: z
    .strictObject({
      test: prior('test', 'tests (test/, __tests__/, *.test.ts, test_*.py, *_test.go, …)'),
      changelog: prior('changelog', 'changelogs and release notes'),
      doc: prior('doc', 'prose (Markdown, reStructuredText, AsciiDoc, text)'),
      housekeeping: prior('housekeeping', 'issue and PR templates, CI pipelines, dependency lists and tool configuration'),
      vendored: prior('vendored', "vendored code (third_party/, _vendor/, vendored/, a Python package's packages/)"),
    })
    .prefault({})
    .meta({ description: 'How search ranks hits by where they live: each a multiplier of the score.' }),
  rerank: RerankConfigSchema.prefault({}),
});
export type SearchConfig = z.infer<typeof SearchConfigSchema>;

export const WatchConfigSchema = z.strictObject({
  debounce_ms: z
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(300)
    .meta({ description: 'cw watch: quiet time (ms) after the last file event before a batch is indexed; a batch waits at most 8 of them.' }),
});

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    http_pool: HttpPoolConfigSchema.prefault({}),
    embedding: EmbeddingConfigSchema.prefault({}),
    store: StoreConfigSchema.prefault({}),
    indexing: IndexingConfigSchema.prefault({}),
    watch: WatchConfigSchema.prefault({}),
    search: SearchConfigSchema.prefault({}),
  })
  .meta({ title: 'codeweaver configuration' });
export type Config = z.infer<typeof ConfigSchema>;

/** Layered settings of one pooled client; see the note at the top of this file. */
export function resolveHttpPoolSettings(
  pool: HttpPoolConfig,
  clientName: string,
  opts: { providerDefaults?: boolean; concurrency?: number } = {},
): HttpPoolSettings {
  const { providers, ...topLevel } = pool;
  return {
    ...HTTP_POOL_DEFAULTS,
    ...(opts.providerDefaults ? PROVIDER_POOL_DEFAULTS : {}),
    // A provider's connections follow its request concurrency unless set: a cap above it let the
    // Pool open a connection for a request that arrived just before another's connection was
    // handed back, and the extras idled out and were opened again (measured: 22 connections
    // opened for concurrency 8 over HTTP/1.1; 8 with the cap).
    ...(opts.providerDefaults && opts.concurrency ? { max_connections: opts.concurrency } : {}),
    ...stripUndefined(topLevel),
    ...stripUndefined((providers as Record<string, HttpPoolOverrides | undefined> | undefined)?.[clientName] ?? {}),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
