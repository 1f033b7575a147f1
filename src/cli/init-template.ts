import { SCHEMA_FILE } from '../config/schema-file.js';
import type { EmbeddingProviderName } from '../config/schema.js';
import { keyEnvOf } from '../embedding/providers.js';

export type InitFormat = 'yaml' | 'json';

/** The file `cw init` writes, by format. */
export const INIT_FILE_NAMES: Readonly<Record<InitFormat, string>> = { yaml: 'codeweaver.config.yaml', json: 'codeweaver.config.json' };

/**
 * A first configuration for a repository: the few keys a new user decides, each with what it
 * does, the rest left to their defaults (and to `cw config`, which shows them all). YAML carries
 * the explanations as comments and the schema as the yaml-language-server modeline; JSON has no
 * comments, only the `$schema` key.
 */
export function initialConfigText(format: InitFormat, provider: EmbeddingProviderName): string {
  if (format === 'json') {
    return `${JSON.stringify({ $schema: `./${SCHEMA_FILE}`, embedding: { provider }, store: { kind: 'embedded' }, indexing: { exclude: [] } }, null, 2)}\n`;
  }
  const key = keyEnvOf(provider).join(' or ') || null;
  return `# yaml-language-server: $schema=./${SCHEMA_FILE}
# codeweaver configuration. Every key is optional: what is not here takes its default.
# \`cw config\` prints what a run here uses and where each value came from; the schema above
# (written by cw into .codeweaver/) lets an editor complete and check the keys.

embedding:
  # local: lexical (BM25) search, offline, no key. For search by meaning, name a provider:
  # onnx (a model run in this process: no key, no server; once: cw model install-runtime),
  # voyage, openai, cohere, mistral, ollama (local server), openai-compatible (any /embeddings).
  provider: ${provider}${key ? `\n  # The API key is read from ${key} (never from this file).` : ''}
  # model: voyage-code-3        # default: the provider's code model
  # concurrency: 8              # requests in flight
  # batch_size: 128             # chunks per request

store:
  # embedded: one SQLite file under .codeweaver/ (no server). qdrant: a Qdrant server
  # (url: or QDRANT_URL).
  kind: embedded

indexing:
  # Globs left out of the index, beside .gitignore and .cwignore (which are honoured too).
  exclude: []
  # chunk_tokens: 512           # target chunk size
`;
}
