import { Command } from 'commander';
import { createEmbedder } from '../../embedding/create.js';
import { EMBEDDING_PROVIDERS, type EmbeddingProviderName } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { createStore } from '../../store/create.js';
import { formatHits } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, parsePositiveInt, type OverrideOptions } from '../options.js';
import { withRuntime } from '../runtime.js';

interface SearchOptions extends OverrideOptions {
  path?: string;
  limit: string;
  under?: string;
}

export function searchCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('search')
    .description('search the index (hybrid dense + BM25, or BM25 for a lexical index)')
    .argument('<query>', 'what to look for: words, identifiers, a description')
    .option('-p, --path <dir>', 'repository whose index to search', '.')
    .option('-n, --limit <n>', 'most results', '10')
    .option('--under <dir>', "only results below this directory of the repository (e.g. src/http)");
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (query: string, opts: SearchOptions) => {
    const limit = parsePositiveInt('--limit', opts.limit);
    if (!query.trim()) throw new UsageError('search: the query is empty — give words to look for');
    setExit(await withRuntime(opts.path, opts, configFlags(opts), async (rt) => {
      const { out } = rt;
      const { config } = rt.loaded;
      const store = await createStore(config, rt.root, { env: rt.env, onWarning: (m) => out.warn(m) });
      rt.onClose(() => store.close());
      const meta = await store.openReadOnly();
      if (!meta) throw new UsageError(`no index at ${store.location} — run \`cw index\` first`);

      let vector: Float32Array | null = null;
      if (meta.dimensions !== null) {
        // The query must be embedded by the model that built the index.
        if (!(EMBEDDING_PROVIDERS as readonly string[]).includes(meta.provider)) {
          throw new UsageError(`the index was built with unknown provider "${meta.provider}" — rebuild it with cw index --full`);
        }
        const embedder = createEmbedder(
          { ...config.embedding, provider: meta.provider as EmbeddingProviderName, model: meta.model, dimensions: meta.dimensions },
          { pool: rt.pool, httpPool: config.http_pool, env: rt.env },
        );
        [vector] = await embedder.embed([query], 'query');
      }
      const hits = await store.search({ text: query, vector: vector ?? null, limit, pathPrefix: opts.under });
      out.result({
        results: hits.map((h) => ({
          path: h.path,
          start_line: h.startLine,
          end_line: h.endLine,
          score: h.score,
          snippet: h.snippet,
          symbol: h.symbol,
          language: h.language,
        })),
        search_mode: vector ? 'hybrid' : 'lexical',
      });
      out.print(formatHits(hits, out));
      return 0;
    }));
  });
}
