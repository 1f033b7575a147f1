/**
 * An index remembers how it was built (provider, model, size, endpoint, the name of the key
 * variable, chunk size), so that `cw search` and a plain `cw index` need no flags: wherever the
 * user set nothing explicitly, the index's own settings apply. An explicit choice that
 * conflicts (another provider or model) is kept, and the store refuses it with the fix.
 */
import type { LoadedConfig } from '../config/load.js';
import { EMBEDDING_PROVIDERS, type Config, type EmbeddingConfig, type EmbeddingProviderName } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { BuildSettings, IndexMeta } from '../store/vector-store.js';

/** What this configuration records with the index it builds. */
export function buildSettingsOf(config: Config): BuildSettings {
  const { base_url, api_key_env } = config.embedding;
  return { ...(base_url ? { base_url } : {}), ...(api_key_env ? { api_key_env } : {}), chunk_tokens: config.indexing.chunk_tokens };
}

/** The configuration with the index's settings wherever the user set nothing explicitly. */
export function adoptIndexSettings(loaded: LoadedConfig, stored: IndexMeta | null): Config {
  const config = loaded.config;
  if (!stored || !isProvider(stored.provider)) return config;
  const explicit = (key: string) => key in loaded.origins;
  // Another provider asked for on purpose: nothing of the index's settings applies to it.
  if (explicit('embedding.provider') && config.embedding.provider !== stored.provider) return config;
  if (explicit('embedding.model') && config.embedding.model !== stored.model) return config;
  const build = stored.build ?? {};
  const embedding: EmbeddingConfig = {
    ...config.embedding,
    provider: stored.provider,
    model: stored.provider === 'local' ? config.embedding.model : stored.model,
    dimensions: explicit('embedding.dimensions') ? config.embedding.dimensions : (stored.dimensions ?? undefined),
    base_url: explicit('embedding.base_url') ? config.embedding.base_url : (build.base_url ?? config.embedding.base_url),
    api_key_env: explicit('embedding.api_key_env') ? config.embedding.api_key_env : (build.api_key_env ?? config.embedding.api_key_env),
  };
  const chunkTokens = explicit('indexing.chunk_tokens') ? config.indexing.chunk_tokens : (build.chunk_tokens ?? config.indexing.chunk_tokens);
  return { ...config, embedding, indexing: { ...config.indexing, chunk_tokens: chunkTokens } };
}

/** The keys an index can supply (adoptIndexSettings), as dotted paths. */
const ADOPTABLE = ['embedding.provider', 'embedding.model', 'embedding.dimensions', 'embedding.base_url', 'embedding.api_key_env', 'indexing.chunk_tokens'] as const;

/**
 * The configuration a plain `cw index` or `cw search` here would use, and where each value
 * came from: the loaded origins (file, flag, environment), plus "index" for the values the
 * index supplied. `cw config` shows this rather than the bare file, which would contradict
 * what the next run does.
 */
export function effectiveSettings(loaded: LoadedConfig, stored: IndexMeta | null, indexLocation: string): { config: Config; origins: Record<string, string> } {
  const config = adoptIndexSettings(loaded, stored);
  const origins = { ...loaded.origins };
  if (stored && config !== loaded.config) {
    for (const key of ADOPTABLE) {
      if (key in loaded.origins) continue;
      const value = valueAt(config, key);
      if (value !== undefined && value !== valueAt(loaded.config, key)) origins[key] = `the index (${indexLocation})`;
    }
    if (stored.provider === config.embedding.provider && !('embedding.model' in loaded.origins) && stored.provider !== 'local') {
      origins['embedding.model'] = `the index (${indexLocation})`;
    }
  }
  return { config, origins };
}

function valueAt(config: Config, key: string): unknown {
  const [section, name] = key.split('.') as [keyof Config, string];
  return (config[section] as Record<string, unknown>)[name];
}

/**
 * The embedding settings a query must use: the index's own provider, model and size (a query
 * embedded by another model would be compared with vectors it cannot match), and its endpoint
 * and key variable unless set explicitly.
 */
export function queryEmbedderConfig(loaded: LoadedConfig, meta: IndexMeta): EmbeddingConfig {
  if (!isProvider(meta.provider)) {
    throw new UsageError(`the index was built with unknown provider "${meta.provider}" — rebuild it with cw index --full`);
  }
  const adopted = adoptIndexSettings({ ...loaded, origins: withoutModelChoice(loaded.origins) }, meta).embedding;
  return { ...adopted, provider: meta.provider, model: meta.model, dimensions: meta.dimensions ?? undefined };
}

/** For a query the index's model always wins: a configured provider or model does not apply. */
function withoutModelChoice(origins: Record<string, string>): Record<string, string> {
  const { 'embedding.provider': _p, 'embedding.model': _m, 'embedding.dimensions': _d, ...rest } = origins;
  return rest;
}

function isProvider(name: string): name is EmbeddingProviderName {
  return (EMBEDDING_PROVIDERS as readonly string[]).includes(name);
}
