import type { EmbeddingConfig, EmbeddingProviderName } from '../config/schema.js';
import type { EmbedderLimits } from './embedder.js';

export type OutputDtype = NonNullable<EmbeddingConfig['output_dtype']>;

/** What we know about one model, from its provider's public documentation. */
export interface ModelSpec {
  model: string;
  /** Vector size returned when none is asked for. */
  dimensions: number;
  /** Sizes the API accepts as a parameter (absent: fixed size). */
  allowedDimensions?: { min: number; max: number } | readonly number[];
  /** Output types the API accepts (absent: float only). */
  dtypes?: readonly OutputDtype[];
  limits: EmbedderLimits;
  /** USD per million input tokens, list price; null when not public. */
  pricePerMillionTokens: number | null;
}

const ALL_DTYPES: readonly OutputDtype[] = ['float', 'int8', 'uint8', 'binary', 'ubinary'];
const VOYAGE_SIZES = [256, 512, 1024, 2048] as const;

/**
 * Limits and prices as documented by each provider (checked 2025). Where a provider
 * documents no per-request limit we pick a conservative one: a request that is still too
 * large is split in half on the provider's "batch too large" answer anyway.
 */
const CATALOGUE: Partial<Record<EmbeddingProviderName, readonly ModelSpec[]>> = {
  // docs.voyageai.com: ≤1000 inputs per request; total tokens 120K (code-3, 3-large), 320K (3.5), 1M (3.5-lite).
  voyage: [
    voyage('voyage-code-3', 1024, 32_000, 1000, 120_000, 0.18, VOYAGE_SIZES),
    voyage('voyage-3-large', 1024, 32_000, 1000, 120_000, 0.18, VOYAGE_SIZES),
    voyage('voyage-3.5', 1024, 32_000, 1000, 320_000, 0.06, VOYAGE_SIZES),
    voyage('voyage-3.5-lite', 1024, 32_000, 1000, 1_000_000, 0.02, VOYAGE_SIZES),
    voyage('voyage-code-2', 1536, 16_000, 128, 120_000, 0.12),
  ],
  // docs.cohere.com: ≤96 texts per call; v3 models take 512 tokens per text, embed-v4.0 128K.
  cohere: [
    {
      model: 'embed-v4.0',
      dimensions: 1536,
      allowedDimensions: [256, 512, 1024, 1536],
      dtypes: ALL_DTYPES,
      limits: { maxInputTokens: 128_000, maxBatchItems: 96, maxBatchTokens: 128_000 },
      pricePerMillionTokens: 0.12,
    },
    cohere3('embed-english-v3.0', 1024),
    cohere3('embed-multilingual-v3.0', 1024),
    cohere3('embed-english-light-v3.0', 384),
    cohere3('embed-multilingual-light-v3.0', 384),
  ],
  // platform.openai.com: ≤2048 inputs and ≤300K tokens per request, 8191 tokens per input.
  openai: openAiModels(),
  azure: openAiModels(),
  // docs.mistral.ai: 8K tokens per input; codestral-embed sizes up to 3072. Per-request limits
  // are not documented: 128 inputs / 16K tokens is conservative.
  mistral: [
    {
      model: 'codestral-embed',
      dimensions: 1536,
      allowedDimensions: { min: 1, max: 3072 },
      dtypes: ALL_DTYPES,
      limits: { maxInputTokens: 8192, maxBatchItems: 128, maxBatchTokens: 16_384 },
      pricePerMillionTokens: 0.15,
    },
    {
      model: 'mistral-embed',
      dimensions: 1024,
      limits: { maxInputTokens: 8192, maxBatchItems: 128, maxBatchTokens: 16_384 },
      pricePerMillionTokens: 0.1,
    },
  ],
  fireworks: [
    {
      model: 'nomic-ai/nomic-embed-text-v1.5',
      dimensions: 768,
      allowedDimensions: { min: 64, max: 768 },
      limits: { maxInputTokens: 8192, maxBatchItems: 128, maxBatchTokens: 65_536 },
      pricePerMillionTokens: 0.008,
    },
  ],
  together: [
    small('Alibaba-NLP/gte-modernbert-base', 768, 8192, 0.08),
    small('BAAI/bge-large-en-v1.5', 1024, 512, 0.016),
    small('BAAI/bge-base-en-v1.5', 768, 512, 0.008),
    small('intfloat/multilingual-e5-large-instruct', 1024, 512, 0.02),
  ],
  // Local: limits bound memory and Ollama's default 2048-token context, not a price.
  ollama: [
    local('nomic-embed-text', 768, 2048),
    local('mxbai-embed-large', 1024, 512),
    local('all-minilm', 384, 256),
  ],
  // devcenter.heroku.com: ≤96 strings of ≤2048 characters (~512 tokens) per request.
  heroku: [
    {
      model: 'cohere-embed-multilingual',
      dimensions: 1024,
      limits: { maxInputTokens: 512, maxBatchItems: 96, maxBatchTokens: 96 * 512 },
      pricePerMillionTokens: null,
    },
  ],
};

/** Limits for models we have no entry for: small enough for any API we know. */
export const UNKNOWN_MODEL_LIMITS: Readonly<EmbedderLimits> = {
  maxInputTokens: 512,
  maxBatchItems: 64,
  maxBatchTokens: 32_768,
};

export function lookupModel(provider: EmbeddingProviderName, model: string): ModelSpec | undefined {
  return CATALOGUE[provider]?.find((m) => m.model === model);
}

/**
 * The models listed for a provider, or null when the provider serves models of the user's
 * choosing (ollama, openai-compatible, …) and any name may be right.
 */
export function knownModels(provider: EmbeddingProviderName): string[] | null {
  const listed = CATALOGUE[provider];
  return listed?.length ? listed.map((m) => m.model) : null;
}

export function acceptsDimensions(spec: ModelSpec, size: number): boolean {
  const allowed = spec.allowedDimensions;
  if (!allowed) return size === spec.dimensions;
  return 'min' in allowed ? size >= allowed.min && size <= allowed.max : allowed.includes(size);
}

export function describeAllowedDimensions(spec: ModelSpec): string {
  const allowed = spec.allowedDimensions;
  if (!allowed) return `only ${spec.dimensions}`;
  return 'min' in allowed ? `${allowed.min}–${allowed.max}` : allowed.join(', ');
}

function voyage(
  model: string,
  dimensions: number,
  maxInputTokens: number,
  maxBatchItems: number,
  maxBatchTokens: number,
  price: number,
  sizes?: readonly number[],
): ModelSpec {
  return {
    model,
    dimensions,
    ...(sizes ? { allowedDimensions: sizes, dtypes: ALL_DTYPES } : {}),
    limits: { maxInputTokens, maxBatchItems, maxBatchTokens },
    pricePerMillionTokens: price,
  };
}

function cohere3(model: string, dimensions: number): ModelSpec {
  return {
    model,
    dimensions,
    dtypes: ALL_DTYPES,
    limits: { maxInputTokens: 512, maxBatchItems: 96, maxBatchTokens: 96 * 512 },
    pricePerMillionTokens: 0.1,
  };
}

function openAiModels(): ModelSpec[] {
  const limits = { maxInputTokens: 8191, maxBatchItems: 2048, maxBatchTokens: 300_000 };
  return [
    { model: 'text-embedding-3-small', dimensions: 1536, allowedDimensions: { min: 1, max: 1536 }, limits, pricePerMillionTokens: 0.02 },
    { model: 'text-embedding-3-large', dimensions: 3072, allowedDimensions: { min: 1, max: 3072 }, limits, pricePerMillionTokens: 0.13 },
    { model: 'text-embedding-ada-002', dimensions: 1536, limits, pricePerMillionTokens: 0.1 },
  ];
}

function small(model: string, dimensions: number, maxInputTokens: number, price: number): ModelSpec {
  return { model, dimensions, limits: { maxInputTokens, maxBatchItems: 128, maxBatchTokens: 65_536 }, pricePerMillionTokens: price };
}

function local(model: string, dimensions: number, maxInputTokens: number): ModelSpec {
  return { model, dimensions, limits: { maxInputTokens, maxBatchItems: 64, maxBatchTokens: 32_768 }, pricePerMillionTokens: 0 };
}
