import { Command } from 'commander';
import { formatHits } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, parsePositiveInt, type OverrideOptions } from '../options.js';
import { locateRepositoryRoot } from '../../session/locate.js';
import { withSession } from '../runtime.js';

interface SearchOptions extends OverrideOptions {
  path?: string;
  limit: string;
  under?: string;
  lang?: string[];
  include?: string[];
  exclude?: string[];
}

export function searchCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('search')
    .description('search the index (hybrid dense + BM25, or BM25 for a lexical index)')
    .argument('<query...>', 'what to look for: words, identifiers, a description (quotes optional)')
    .option('-p, --path <dir>', 'repository whose index to search (default: the one around the working directory)')
    .option('-n, --limit <n>', 'most results', '10')
    .option('--under <dir>', 'only results below this directory of the repository (e.g. src/http)')
    .option('--lang <language...>', 'only results in these languages (typescript, python, go, markdown, …)')
    .option('--include <glob...>', 'only results in files matching these globs (.gitignore syntax, e.g. src/** or *.ts)')
    .option('--exclude <glob...>', 'no results in files matching these globs (e.g. test/ or *.md)');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (words: string[], opts: SearchOptions) => {
    const limit = parsePositiveInt('--limit', opts.limit);
    // An unquoted multi-word query is one query.
    const query = words.join(' ');
    setExit(
      // A search is about the repository around the path, wherever inside it the path is.
      await withSession(locateRepositoryRoot(opts.path ?? '.'), opts, configFlags(opts), async ({ out, session }) => {
        const { hits, searchMode } = await session.search({
          query,
          limit,
          under: opts.under,
          languages: opts.lang?.flatMap((l) => l.split(',')).filter(Boolean),
          include: opts.include,
          exclude: opts.exclude,
        });
        out.result({
          // Result paths are relative to this root (the repository), whatever the working directory.
          root: session.root,
          results: hits.map((h) => ({
            path: h.path,
            start_line: h.startLine,
            end_line: h.endLine,
            score: h.score,
            snippet: h.snippet,
            symbol: h.symbol,
            language: h.language,
          })),
          search_mode: searchMode,
        });
        out.print(formatHits(hits, out, { root: session.root, cwd: process.cwd(), query }));
        return 0;
      }),
    );
  });
}
