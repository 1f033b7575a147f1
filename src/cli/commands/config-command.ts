import { Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { resolveHttpPoolSettings } from '../../config/schema.js';
import { keyEnvOf } from '../../embedding/providers.js';
import { DEFAULT_ONNX_MODEL, onnxModelName } from '../../embedding/onnx/known-models.js';
import { RERANK_KEY_ENV } from '../../rerank/create.js';
import { addCommonOptions, addEmbeddingOptions, addStoreOptions, configFlags, type OverrideOptions } from '../options.js';
import { withSession } from '../runtime.js';

export function configCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('config')
    .description('print the configuration the next run here uses (the index\'s remembered settings included) and where each value came from (API keys redacted)')
    .argument('[path]', 'repository whose configuration to resolve (default: the one around the working directory)');
  addEmbeddingOptions(cmd);
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (rootArg: string | undefined, opts: OverrideOptions) =>
    setExit(
      await withSession(rootArg, opts, configFlags(opts), async ({ out, loaded, env, session }) => {
        const { filepath, fileEmpty } = loaded;
        // What the next plain run here uses: the index's settings wherever nothing was set.
        const { config, origins, indexUnread } = await session.effectiveConfig();
        if (indexUnread) out.warn(`the index could not be read, so its remembered settings are not shown (${indexUnread})`);
        const doc = {
          file: filepath,
          config,
          sources: origins,
          // Effective settings of the clients this configuration will create.
          http_clients: effectiveClients(config),
          // Presence only: a key's value is never printed.
          secrets: secretPresence(config, env),
        };
        out.result(doc);
        const sources = Object.entries(origins);
        const secrets = Object.entries(doc.secrets);
        out.print(
          [
            `# configuration file: ${filepath ? `${filepath}${fileEmpty ? ' (empty: every value is a default)' : ''}` : 'none found (every value is a default)'}`,
            `# model: ${modelLine(config.embedding)}`,
            JSON.stringify(config, null, 2),
            ...(sources.length ? ['# where values came from (others are defaults):', ...sources.map(([k, v]) => `#   ${k} ← ${v}`)] : []),
            ...(secrets.length ? ['# secrets:', ...secrets.map(([k, v]) => `#   ${k}: ${v}`)] : []),
          ].join('\n'),
        );
        return 0;
      }),
    ),
  );
}

function effectiveClients(config: Config): Record<string, unknown> {
  const clients: Record<string, unknown> = {};
  if (config.embedding.provider !== 'local') {
    clients[config.embedding.provider] = resolveHttpPoolSettings(config.http_pool, config.embedding.provider, {
      providerDefaults: true,
      concurrency: config.embedding.concurrency,
    });
  }
  if (config.store.kind === 'qdrant') clients.qdrant = resolveHttpPoolSettings(config.http_pool, 'qdrant');
  // The reranker sends through its provider's client (the embedder's own when they are one provider).
  const rerank = config.search.rerank.provider;
  if (rerank && !clients[rerank]) clients[rerank] = resolveHttpPoolSettings(config.http_pool, rerank, { providerDefaults: true, concurrency: config.embedding.concurrency });
  return clients;
}

function secretPresence(config: Config, env: NodeJS.ProcessEnv): Record<string, string> {
  const names = new Set<string>();
  const { provider, api_key_env } = config.embedding;
  if (api_key_env) names.add(api_key_env);
  else for (const n of keyEnvOf(provider)) names.add(n);
  if (config.store.kind === 'qdrant') names.add(config.store.api_key_env);
  const rerank = config.search.rerank;
  if (rerank.api_key_env) names.add(rerank.api_key_env);
  else if (rerank.provider) for (const n of RERANK_KEY_ENV[rerank.provider]) names.add(n);
  return Object.fromEntries([...names].map((n) => [n, env[n] ? 'set (redacted)' : 'not set']));
}

/** The model a run uses, as the index would record it (the onnx default by name, with its export). */
function modelLine(e: Config['embedding']): string {
  if (e.provider === 'onnx') return `onnx/${onnxModelName(e.model ?? DEFAULT_ONNX_MODEL, e.quantized)}`;
  return `${e.provider}${e.model ? `/${e.model}` : e.provider === 'local' ? '/bm25' : ' (its default model)'}`;
}
