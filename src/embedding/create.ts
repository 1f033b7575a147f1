import type { EmbeddingConfig } from '../config/schema.js';
import { addSecret, displayUrl, hasCredentials, REDACTED } from '../redact.js';
import { UsageError } from '../errors.js';
import type { HttpClientPool } from '../http/pool.js';
import type { RetryEvent, RetryPolicy } from '../http/retry.js';
import { acceptsDimensions, describeAllowedDimensions, lookupModel, UNKNOWN_MODEL_LIMITS, type ModelSpec } from './catalogue.js';
import type { Embedder } from './embedder.js';
import { LocalLexicalEmbedder } from './local.js';
import { HubDownloader, type HubProgress } from './hub/download.js';
import { DEFAULT_ONNX_MODEL, onnxModelName } from './onnx/known-models.js';
import { isLocalModel } from './onnx/model-files.js';
import { OnnxEmbedder } from './onnx/onnx-embedder.js';
import { lazyWire } from '../lazy-wire.js';
import { PROVIDERS, type ProviderProfile } from './providers.js';
import { RemoteEmbedder, type WireFormat } from './remote-embedder.js';

export interface CreateEmbedderDeps {
  /** Needed by every provider but `local`, which sends nothing. */
  pool?: HttpClientPool;
  env: NodeJS.ProcessEnv;
  /** Retry limits; tests pass tiny backoffs. Defaults: DEFAULT_RETRY_POLICY. */
  retryPolicy?: RetryPolicy;
  /** Jitter source (tests make it deterministic). */
  random?: () => number;
  /** Told of each retry (provider, status or error, wait): for progress output. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Build even without an API key (`--dry-run`, which estimates tokens and cost before a key is
   * set up): the embedder exists for its limits and price; a request it made would be refused.
   */
  keyOptional?: boolean;
  /** Told of a model download's progress (onnx, first use). */
  onModelProgress?: (progress: HubProgress) => void;
}

/** Azure OpenAI's current GA api-version, used when `embedding.api_version` is unset. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** The one place that maps `embedding.provider` to an implementation. */
export function createEmbedder(config: EmbeddingConfig, deps: CreateEmbedderDeps): Embedder {
  if (config.provider === 'local') return new LocalLexicalEmbedder();
  if (config.provider === 'onnx') return createOnnxEmbedder(config, deps);
  const profile = PROVIDERS[config.provider];
  const name = profile.name;
  const model = config.model ?? profile.defaultModel;
  if (!model) {
    const what = profile.dialect?.azureDeployments ? 'your deployment name' : 'an embedding model';
    throw new UsageError(`${name}: no default model — set embedding.model to ${what}`);
  }
  const baseUrl = resolveBaseUrl(config, profile, deps.env);
  const { apiKey, keyEnv } = resolveApiKey(config, profile, deps.env, deps.keyOptional ?? false);
  // The key is masked where a message is built, and registered so that any output masks it too.
  addSecret(apiKey);
  const redact = (s: string) => (apiKey ? s.split(apiKey).join(REDACTED) : s);
  const spec = lookupModel(name, model);
  const size = resolveSize(config, profile, model, spec);
  const client = requirePool(deps, name).getClient(name, undefined, { providerDefaults: true, concurrency: config.concurrency });

  // Each wire's module (and its SDK) loads at the first request: see lazyWire.
  let wire: WireFormat;
  if (name === 'voyage') {
    const options = { client, baseUrl, apiKey: apiKey!, model, outputDimension: size.request, outputDtype: size.dtype, redact };
    wire = lazyWire(async () => new (await import('./voyage.js')).VoyageWire(options));
  } else if (name === 'cohere') {
    const options = { client, baseUrl, apiKey: apiKey!, model, outputDimension: size.request, dtype: size.dtype ?? 'float', redact };
    wire = lazyWire(async () => new (await import('./cohere.js')).CohereWire(options));
  } else {
    const options = {
      label: name,
      request: client.request,
      baseUrl,
      dialect: profile.dialect!,
      model,
      apiKey,
      apiVersion: config.api_version ?? AZURE_DEFAULT_API_VERSION,
      dimensions: size.request,
      dtype: size.dtype,
      redact,
    };
    wire = lazyWire(async () => new (await import('./openai-compatible.js')).OpenAICompatibleWire(options));
  }
  return new RemoteEmbedder({
    provider: name,
    model,
    wire,
    endpoint: displayUrl(baseUrl),
    client,
    dimensions: size.vectorLength,
    limits: spec?.limits ?? UNKNOWN_MODEL_LIMITS,
    pricePerMillionTokens: spec?.pricePerMillionTokens ?? null,
    concurrency: config.concurrency,
    rateLimits: { requestsPerMinute: config.requests_per_minute, tokensPerMinute: config.tokens_per_minute },
    keyEnv,
    retryPolicy: deps.retryPolicy,
    random: deps.random,
    onRetry: deps.onRetry,
  });
}

function resolveBaseUrl(config: EmbeddingConfig, profile: ProviderProfile, env: NodeJS.ProcessEnv): string {
  if (config.base_url) return withoutCredentials(config.base_url, profile.name).replace(/\/+$/, '');
  for (const v of profile.baseUrlEnv ?? []) {
    const value = env[v]?.trim();
    if (value) return value.replace(/\/+$/, '') + (profile.baseUrlEnvSuffix ?? '');
  }
  if (profile.baseUrl) return profile.baseUrl;
  const fromEnv = profile.baseUrlEnv?.length ? ` (or ${profile.baseUrlEnv.join(' / ')})` : '';
  throw new UsageError(`${profile.name}: no endpoint — set embedding.base_url${fromEnv}`);
}

/**
 * fetch refuses a URL with userinfo, and a key in a URL ends up in logs and shell history:
 * refused before any request, without echoing it.
 */
function withoutCredentials(url: string, provider: string): string {
  if (hasCredentials(url)) {
    throw new UsageError(
      `${provider}: embedding.base_url ${displayUrl(url)} carries credentials — remove them from the URL and put the key in the variable embedding.api_key_env names`,
    );
  }
  return url;
}

/** The key and the env var it came from; the value itself never goes into a message. */
function resolveApiKey(
  config: EmbeddingConfig,
  profile: ProviderProfile,
  env: NodeJS.ProcessEnv,
  keyOptional: boolean,
): { apiKey: string | null; keyEnv: string | null } {
  const candidates = config.api_key_env ? [config.api_key_env] : profile.keyEnv;
  for (const v of candidates) {
    const value = env[v]?.trim();
    if (value) return { apiKey: value, keyEnv: v };
  }
  if (keyOptional) return { apiKey: null, keyEnv: candidates[0] ?? null };
  // An explicitly named variable must be set, even for providers that need no key.
  if (profile.keyRequired || config.api_key_env) {
    const names = candidates.join(' or ');
    const hint = config.api_key_env ? '' : ' (or embedding.api_key_env)';
    throw new UsageError(`${profile.name}: no API key — set ${names}${hint}`);
  }
  return { apiKey: null, keyEnv: null };
}

interface Size {
  /** Size to ask the API for (only when the model takes the parameter). */
  request?: number;
  /** Output type to ask for, when not float. */
  dtype?: NonNullable<EmbeddingConfig['output_dtype']>;
  /** Length of each returned vector, when known before the first request. */
  vectorLength: number | null;
}

const supportsDtype = (p: ProviderProfile) => p.name === 'voyage' || p.name === 'cohere' || !!p.dialect?.dtypeField;
const supportsDimensions = (p: ProviderProfile) => p.name === 'voyage' || p.name === 'cohere' || !!p.dialect?.dimensionsField;

function resolveSize(config: EmbeddingConfig, profile: ProviderProfile, model: string, spec: ModelSpec | undefined): Size {
  const name = profile.name;
  const dtype = config.output_dtype && config.output_dtype !== 'float' ? config.output_dtype : undefined;
  if (dtype && (!supportsDtype(profile) || (spec && !spec.dtypes?.includes(dtype)))) {
    throw new UsageError(`${name}: ${model} does not offer output_dtype "${dtype}" — remove embedding.output_dtype`);
  }
  let request: number | undefined;
  const wanted = config.dimensions;
  if (wanted !== undefined && spec) {
    if (!acceptsDimensions(spec, wanted)) {
      throw new UsageError(
        `${name}: ${model} cannot produce ${wanted} dimensions (allowed: ${describeAllowedDimensions(spec)}) — fix embedding.dimensions`,
      );
    }
    if (spec.allowedDimensions && supportsDimensions(profile)) request = wanted;
  }
  // Unknown models: `dimensions` declares the size they return (not sent); otherwise init() probes it.
  const dims = wanted ?? spec?.dimensions ?? null;
  // Packed bit types return one number per 8 dimensions.
  const vectorLength = dims !== null && (dtype === 'binary' || dtype === 'ubinary') ? dims / 8 : dims;
  return { request, dtype, vectorLength };
}

/**
 * A model run in process. It names a Hugging Face repository (fetched into the hub cache at first
 * use) or a directory; unset, the default (known-models.ts says why that one). `#q8` after the
 * name, or `embedding.quantized`, runs its int8 export.
 */
function createOnnxEmbedder(config: EmbeddingConfig, deps: CreateEmbedderDeps): Embedder {
  const model = onnxModelName(config.model ?? DEFAULT_ONNX_MODEL, config.quantized);
  const hub = isLocalModel(model)
    ? null
    : new HubDownloader({ fetch: requirePool(deps, 'onnx').getClient('huggingface').fetch, env: deps.env, onProgress: deps.onModelProgress, cacheFirst: true });
  return new OnnxEmbedder({ model, env: deps.env, hub, threads: config.threads });
}

function requirePool(deps: CreateEmbedderDeps, name: string): HttpClientPool {
  if (!deps.pool) throw new Error(`createEmbedder: ${name} needs the HTTP pool`);
  return deps.pool;
}
