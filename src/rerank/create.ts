import type { RerankConfig, RerankProviderName } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { HttpClientPool } from '../http/pool.js';
import type { RetryEvent, RetryPolicy } from '../http/retry.js';
import { addSecret, displayUrl, hasCredentials, REDACTED } from '../redact.js';
import { lazyWire } from '../lazy-wire.js';
import { RemoteReranker, type RerankWire, type Reranker } from './reranker.js';

/** What each rerank API is by default: its endpoint, key variables, model and document limit. */
interface RerankProfile {
  baseUrl: string;
  keyEnv: readonly string[];
  defaultModel: string;
  /**
   * Tokens of one document the model reads. Chunks are ~512 tokens, so this cuts only an
   * oversized one; the API would otherwise refuse the request (Cohere) or cut it itself.
   */
  maxDocumentTokens: number;
}

const PROFILES: Readonly<Record<RerankProviderName, RerankProfile>> = {
  // rerank-2.5: 32 k tokens of context for the query and one document together.
  voyage: { baseUrl: 'https://api.voyageai.com/v1', keyEnv: ['VOYAGE_API_KEY'], defaultModel: 'rerank-2.5', maxDocumentTokens: 8_000 },
  // max_tokens_per_doc defaults to 4,096 on rerank-v3.5.
  cohere: { baseUrl: 'https://api.cohere.com', keyEnv: ['CO_API_KEY', 'COHERE_API_KEY'], defaultModel: 'rerank-v3.5', maxDocumentTokens: 4_096 },
  // jina-reranker-v2 reads 1,024 tokens of query and document; a self-hosted model may read more.
  jina: { baseUrl: 'https://api.jina.ai/v1', keyEnv: ['JINA_API_KEY'], defaultModel: 'jina-reranker-v2-base-multilingual', maxDocumentTokens: 1_024 },
};

/**
 * A search waits for its reranker: a few quick retries (a reset, a 503 blip, a short 429), then
 * the first-stage order. The embedding policy (6 attempts, up to 2 minutes) suits a batch job,
 * not a person or an agent waiting for results.
 */
export const RERANK_RETRY_POLICY: Readonly<RetryPolicy> = { maxAttempts: 3, maxTotalWaitMs: 4_000, baseDelayMs: 250, maxDelayMs: 2_000 };

/** The variables each rerank API's key is read from by default (cw config shows whether they are set). */
export const RERANK_KEY_ENV: Readonly<Record<RerankProviderName, readonly string[]>> = {
  voyage: PROFILES.voyage.keyEnv,
  cohere: PROFILES.cohere.keyEnv,
  jina: PROFILES.jina.keyEnv,
};

/** The reranker a configuration names, with its model resolved; null when reranking is off. */
export function describeRerank(config: RerankConfig): { provider: RerankProviderName; model: string; candidates: number } | null {
  return config.provider ? { provider: config.provider, model: config.model ?? PROFILES[config.provider].defaultModel, candidates: config.candidates } : null;
}

export interface CreateRerankerDeps {
  pool: HttpClientPool;
  env: NodeJS.ProcessEnv;
  /**
   * `embedding.concurrency`: the provider's client is one for embedding and reranking, made
   * with the same settings whichever asks first (else the pool warns of a conflict).
   */
  concurrency?: number;
  retryPolicy?: RetryPolicy;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * The one place that maps `search.rerank.provider` to an implementation. The reranker sends
 * through the provider's pooled client (`voyage`, `cohere`: the one its embeddings use, so the
 * connection, HTTP/2 session and 429 cool-down are shared; `jina`: its own).
 */
export function createReranker(config: RerankConfig, deps: CreateRerankerDeps): Reranker {
  const provider = config.provider;
  if (!provider) throw new UsageError('no reranker configured — set search.rerank.provider (voyage, cohere or jina)');
  const profile = PROFILES[provider];
  const model = config.model ?? profile.defaultModel;
  const baseUrl = (config.base_url ? withoutCredentials(config.base_url, provider) : profile.baseUrl).replace(/\/+$/, '');
  const candidates = config.api_key_env ? [config.api_key_env] : profile.keyEnv;
  const keyEnv = candidates.find((v) => deps.env[v]?.trim()) ?? null;
  const apiKey = keyEnv ? deps.env[keyEnv]!.trim() : null;
  // A self-hosted Jina-style server (a base_url of its own) may take no key; a public API needs one.
  const keyOptional = provider === 'jina' && config.base_url !== undefined && !config.api_key_env;
  if (!apiKey && !keyOptional) {
    throw new UsageError(`${provider} rerank: no API key — set ${candidates.join(' or ')}${config.api_key_env ? '' : ' (or search.rerank.api_key_env)'}`);
  }
  addSecret(apiKey);
  const redact = (s: string) => (apiKey ? s.split(apiKey).join(REDACTED) : s);
  const client = deps.pool.getClient(provider, undefined, { providerDefaults: true, concurrency: deps.concurrency });
  const wire: RerankWire = lazyWire(async (): Promise<RerankWire> => {
    if (provider === 'voyage') return new (await import('./voyage.js')).VoyageRerankWire({ client, baseUrl, apiKey: apiKey!, model, redact });
    if (provider === 'cohere') {
      return new (await import('./cohere.js')).CohereRerankWire({ client, baseUrl, apiKey: apiKey!, model, maxTokensPerDoc: profile.maxDocumentTokens, redact });
    }
    return new (await import('./jina.js')).JinaRerankWire({ client, baseUrl, apiKey, model, redact });
  });
  return new RemoteReranker({
    provider,
    model,
    wire,
    client,
    maxDocumentTokens: profile.maxDocumentTokens,
    keyEnv: keyEnv ?? candidates[0] ?? null,
    retryPolicy: deps.retryPolicy ?? RERANK_RETRY_POLICY,
    random: deps.random,
    onRetry: deps.onRetry,
  });
}

function withoutCredentials(url: string, provider: string): string {
  if (hasCredentials(url)) {
    throw new UsageError(`${provider} rerank: search.rerank.base_url ${displayUrl(url)} carries credentials — remove them and put the key in the variable search.rerank.api_key_env names`);
  }
  return url;
}
