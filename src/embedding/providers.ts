import type { EmbeddingProviderName } from '../config/schema.js';

/** How the OpenAI-style wire format differs per provider. */
export interface OpenAIDialect {
  /** `Authorization: Bearer …` (most) or Azure's `api-key: …`. */
  auth: 'bearer' | 'api-key';
  /** Field and values for document/query input types, where the API has them. */
  inputType?: { field: string; document: string; query: string };
  /** Field that asks for a vector size (OpenAI `dimensions`, Mistral `output_dimension`). */
  dimensionsField?: string;
  /** Field that asks for an output type other than float. */
  dtypeField?: string;
  /** Azure: `{base}/openai/deployments/{model}/embeddings?api-version=…` instead of `{base}/embeddings`. */
  azureDeployments?: boolean;
  /**
   * Ask for `encoding_format: "base64"` (each vector as its little-endian float32 bytes): a
   * fraction of the bytes of a JSON number list and no per-number parsing. A server that refuses
   * it is asked again without, once, and not asked again.
   */
  packedVectors?: boolean;
}

/** Where a provider lives and how it is addressed; the one table for all remote providers. */
export interface ProviderProfile {
  name: Exclude<EmbeddingProviderName, 'local' | 'onnx'>;
  /** Public endpoint; null when the user must say where (base_url or an env var below). */
  baseUrl: string | null;
  /** Env vars that may hold the base URL, tried in order (e.g. Heroku's add-on config vars). */
  baseUrlEnv?: readonly string[];
  /** Appended to a base URL read from `baseUrlEnv`. */
  baseUrlEnvSuffix?: string;
  /** Env vars that may hold the key, tried in order; empty = no key needed. */
  keyEnv: readonly string[];
  /** Whether a key is required (openai-compatible and Ollama work without one). */
  keyRequired: boolean;
  /** The model used when `embedding.model` is unset; null = the user must choose. */
  defaultModel: string | null;
  /** Present for the OpenAI-compatible family. */
  dialect?: OpenAIDialect;
}

const bearer: OpenAIDialect = { auth: 'bearer', dimensionsField: 'dimensions' };

export const PROVIDERS: Readonly<Record<ProviderProfile['name'], ProviderProfile>> = {
  voyage: {
    name: 'voyage',
    baseUrl: 'https://api.voyageai.com/v1',
    keyEnv: ['VOYAGE_API_KEY'],
    keyRequired: true,
    defaultModel: 'voyage-code-3',
  },
  cohere: {
    name: 'cohere',
    baseUrl: 'https://api.cohere.com',
    keyEnv: ['CO_API_KEY', 'COHERE_API_KEY'],
    keyRequired: true,
    defaultModel: 'embed-v4.0',
  },
  openai: {
    name: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    keyEnv: ['OPENAI_API_KEY'],
    keyRequired: true,
    defaultModel: 'text-embedding-3-small',
    dialect: { ...bearer, packedVectors: true },
  },
  azure: {
    name: 'azure',
    baseUrl: null,
    baseUrlEnv: ['AZURE_OPENAI_ENDPOINT'],
    keyEnv: ['AZURE_OPENAI_API_KEY'],
    keyRequired: true,
    // Azure addresses a deployment, which the user names: `embedding.model` is the deployment.
    defaultModel: null,
    dialect: { auth: 'api-key', dimensionsField: 'dimensions', azureDeployments: true, packedVectors: true },
  },
  fireworks: {
    name: 'fireworks',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    keyEnv: ['FIREWORKS_API_KEY'],
    keyRequired: true,
    defaultModel: 'nomic-ai/nomic-embed-text-v1.5',
    dialect: bearer,
  },
  // Groq and Cerebras document no embedding model today: the user names one (probed in init()).
  groq: {
    name: 'groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    keyEnv: ['GROQ_API_KEY'],
    keyRequired: true,
    defaultModel: null,
    dialect: bearer,
  },
  together: {
    name: 'together',
    baseUrl: 'https://api.together.xyz/v1',
    keyEnv: ['TOGETHER_API_KEY'],
    keyRequired: true,
    defaultModel: 'Alibaba-NLP/gte-modernbert-base',
    dialect: bearer,
  },
  ollama: {
    name: 'ollama',
    baseUrl: 'http://localhost:11434/v1',
    keyEnv: [],
    keyRequired: false,
    defaultModel: 'nomic-embed-text',
    dialect: bearer,
  },
  cerebras: {
    name: 'cerebras',
    baseUrl: 'https://api.cerebras.ai/v1',
    keyEnv: ['CEREBRAS_API_KEY'],
    keyRequired: true,
    defaultModel: null,
    dialect: bearer,
  },
  // Heroku Managed Inference: the add-on sets EMBEDDING_KEY/EMBEDDING_URL when attached
  // `--as EMBEDDING` (the documented way for embedding models), INFERENCE_* by default.
  heroku: {
    name: 'heroku',
    baseUrl: 'https://us.inference.heroku.com/v1',
    baseUrlEnv: ['EMBEDDING_URL', 'INFERENCE_URL'],
    baseUrlEnvSuffix: '/v1',
    keyEnv: ['EMBEDDING_KEY', 'INFERENCE_KEY'],
    keyRequired: true,
    defaultModel: 'cohere-embed-multilingual',
    dialect: {
      auth: 'bearer',
      inputType: { field: 'input_type', document: 'search_document', query: 'search_query' },
      dtypeField: 'embedding_type',
    },
  },
  mistral: {
    name: 'mistral',
    baseUrl: 'https://api.mistral.ai/v1',
    keyEnv: ['MISTRAL_API_KEY'],
    keyRequired: true,
    defaultModel: 'codestral-embed',
    dialect: { auth: 'bearer', dimensionsField: 'output_dimension', dtypeField: 'output_dtype' },
  },
  'openai-compatible': {
    name: 'openai-compatible',
    baseUrl: null,
    keyEnv: [],
    keyRequired: false,
    defaultModel: null,
    // vLLM, TEI, LiteLLM and most OpenAI-compatible servers take base64; the others are asked again without.
    dialect: { ...bearer, packedVectors: true },
  },
};

/** The variables a provider's key is read from by default (none for the ones that send nothing: local, onnx). */
export function keyEnvOf(provider: EmbeddingProviderName): readonly string[] {
  return provider === 'local' || provider === 'onnx' ? [] : PROVIDERS[provider].keyEnv;
}
