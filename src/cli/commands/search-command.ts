import path from 'node:path';
import { Command } from 'commander';
import { formatHits } from '../format.js';
import { addCommonOptions, addStoreOptions, configFlags, parseNonNegativeInt, parsePositiveInt, type OverrideOptions } from '../options.js';
import { enclosingIndexRoot, locateRepositoryRoot } from '../../session/locate.js';
import { quotePath } from '../../quote-path.js';
import { withSession } from '../runtime.js';
import { UsageError } from '../../errors.js';
import type { Session } from '../../session/session.js';
import type { SearchHit } from '../../store/vector-store.js';

interface SearchOptions extends OverrideOptions {
  path?: string;
  limit: string;
  under?: string;
  lang?: string[];
  include?: string[];
  exclude?: string[];
  filesWithMatches?: boolean;
  perFile?: string;
  minScore?: string;
  jsonl?: boolean;
  context?: string;
  whole?: boolean;
  rerank?: boolean;
}

export function searchCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('search')
    .description('search the index (hybrid dense + BM25, or BM25 for a lexical index)')
    .argument('<query...>', 'what to look for: words, identifiers, a description (quotes optional); - reads it from standard input (a whole issue: gh issue view 12 | cw search -)')
    .option('-p, --path <dir>', 'repository whose index to search (default: the one around the working directory)')
    .option('-n, --limit <n>', 'most results', '10')
    .option('--under <dir>', 'only results below this directory or file (relative to where you stand inside the repository, as git reads a path; from outside it, to its root)')
    .option('--lang <language...>', 'only results in these languages (typescript, python, go, markdown, …)')
    .option('--include <glob...>', 'only results in files matching these globs (.gitignore syntax, e.g. src/** or *.ts)')
    .option('--exclude <glob...>', 'no results in files matching these globs (e.g. test/ or *.md)')
    .option('-l, --files-with-matches', 'print only the paths of the files with results, one per line, best first')
    .option('--per-file <n>', 'at most n results from one file')
    .option('--min-score <score>', 'no results scored below this')
    .option('--jsonl', 'one JSON object per result per line (the fields of --json results, with root), for streaming to another program')
    .option('-C, --context <n>', 'show n lines before and after each result\'s best line, read from the file as it is now (as grep -C); --json adds them as context')
    .option('--rerank', 'rerank the best first-stage results with search.rerank\'s reranker (the default when one is configured); an error when none is, or its key is refused')
    .option('--no-rerank', 'first-stage order only, even when a reranker is configured')
    .option('--whole', 'show each result\'s whole chunk (its function, class or block, as indexed) instead of a snippet; --json adds it as context');
  addStoreOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (words: string[], opts: SearchOptions) => {
    const limit = parsePositiveInt('--limit', opts.limit);
    const perFile = opts.perFile === undefined ? undefined : parsePositiveInt('--per-file', opts.perFile);
    const minScore = opts.minScore === undefined ? undefined : Number(opts.minScore);
    if (minScore !== undefined && !Number.isFinite(minScore)) throw new UsageError(`--min-score: expected a number, got "${opts.minScore}"`);
    if (opts.jsonl && (opts.json || opts.filesWithMatches)) throw new UsageError('--jsonl: give one output form (--jsonl, --json or -l)');
    const around = opts.context === undefined ? undefined : parseNonNegativeInt('--context', opts.context);
    if (around !== undefined && opts.whole) throw new UsageError('--context and --whole: give one (n lines around the best line, or the whole chunk)');
    // Machine output: nothing but the lines on stdout, diagnostics on stderr.
    if (opts.jsonl) opts.json = true;
    setExit(
      // A search is about the repository around the path, wherever inside it the path is.
      await withSession(locateRepositoryRoot(opts.path ?? '.'), opts, configFlags(opts), async ({ out, session }) => {
        // An unquoted multi-word query is one query; `-` alone is the text on standard input.
        const query = words.length === 1 && words[0] === '-' ? await queryFromStdin() : words.join(' ');
        const { hits, searchMode, rerank } = await session.search({
          query,
          limit,
          under: opts.under === undefined ? undefined : underFromCwd(session.root, opts.under),
          languages: opts.lang?.flatMap((l) => l.split(',')).filter(Boolean),
          include: opts.include,
          exclude: opts.exclude,
          perFile,
          minScore,
          rerank: opts.rerank,
        });
        // A reranker that could not reorder never fails the search: one line says why.
        if (rerank && !rerank.reranked) out.warn(`results in first-stage order: ${rerank.error}`);
        if (rerank?.reranked) out.debug(`reranked ${rerank.candidates} candidates with ${rerank.provider}/${rerank.model} in ${rerank.latency_ms} ms${rerank.tokens === null ? '' : ` (${rerank.tokens} tokens)`}`);
        // The lines to show instead of the snippet: the whole chunk as indexed, or n lines
        // around the best line as the file is now (redacted and confined as read_code reads).
        const shown = around === undefined && !opts.whole ? null : await Promise.all(hits.map((h) => contextOf(session, h, around)));
        const results = hits.map((h, i) => ({
          path: h.path,
          start_line: h.startLine,
          end_line: h.endLine,
          score: h.score,
          snippet: h.snippet,
          // The snippet's first line, and the line that matched most query words (null: none did).
          snippet_start_line: h.snippetStartLine,
          best_line: h.bestLine,
          symbol: h.symbol,
          language: h.language,
          // The reranker's score beside the first-stage one (null: not reranked, or past the candidates).
          ...(rerank ? { rerank_score: h.rerankScore ?? null } : {}),
          ...(shown ? { context: { start_line: shown[i]!.startLine, end_line: shown[i]!.endLine, code: shown[i]!.code } } : {}),
        }));
        if (opts.jsonl) {
          for (const r of results) out.jsonLine({ root: session.root, ...r });
          return 0;
        }
        if (opts.filesWithMatches && !opts.json) {
          // Paths as the results print them: relative to the working directory.
          const files = [...new Set(hits.map((h) => h.path))].map((p) => path.relative(process.cwd(), path.join(session.root, p)) || '.');
          if (files.length > 0) out.print(files.join('\n'));
          return 0;
        }
        out.result({
          // Result paths are relative to this root (the repository), whatever the working directory.
          root: session.root,
          results,
          search_mode: searchMode,
          reranked: rerank?.reranked ?? false,
          rerank,
        });
        const printed = shown ? hits.map((h, i) => ({ ...h, snippet: shown[i]!.code, snippetStartLine: shown[i]!.startLine })) : hits;
        out.print(formatHits(printed, out, { root: session.root, cwd: process.cwd(), query, maxLines: shown ? Infinity : undefined }));
        // A nested index answers for its directory only: say which index this was.
        const enclosing = enclosingIndexRoot(session.root);
        if (enclosing) out.info(`searched the index of ${session.root}, inside ${enclosing} which has its own — cw search --path ${quotePath(enclosing)} searches that one`);
        return 0;
      }),
    );
  });
}

/**
 * --under as the user means it: relative to the working directory when that is inside the
 * repository (`--under src` in packages/app is packages/app/src, `--under .` is here), as git
 * reads a path and as the result paths are printed; from outside it (`--path elsewhere`), relative
 * to the repository's root, as MCP's `path`. An absolute path is taken as it is.
 */
function underFromCwd(root: string, under: string): string {
  if (path.isAbsolute(under)) return under;
  const cwd = process.cwd();
  const rel = path.relative(path.resolve(root), cwd);
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  return inside ? path.join(cwd, under) : under;
}

/** The most a query read from standard input may be: an issue with its logs, not a file dump. */
const MAX_STDIN_QUERY_BYTES = 1024 * 1024;

/**
 * The query on standard input (`cw search -`): a whole issue or traceback, which a shell makes
 * hard to quote (backticks, quotes, several lines).
 */
async function queryFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError('cw search -: reads the query from standard input — pipe it in (gh issue view 12 | cw search -) or give the words as arguments');
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of process.stdin as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_STDIN_QUERY_BYTES) throw new UsageError('cw search -: the query on standard input is over 1 MiB — pass the issue text, not a whole file');
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The lines shown for one hit with --whole (its chunk, as stored: no file read) or -C n (the
 * best line, or the snippet's first, ± n, through Session.readCode: the file as it is now, by the
 * indexer's rules). A file that cannot be read any more (deleted since) falls back to the chunk.
 */
async function contextOf(session: Session, hit: SearchHit, around: number | undefined): Promise<{ startLine: number; endLine: number; code: string }> {
  const chunk = { startLine: hit.startLine, endLine: hit.endLine, code: hit.content };
  if (around === undefined) return chunk;
  const center = hit.bestLine ?? hit.snippetStartLine;
  try {
    const read = await session.readCode({ path: hit.path, startLine: Math.max(1, center - around), endLine: center + around });
    return { startLine: read.startLine, endLine: read.endLine, code: read.code };
  } catch {
    return chunk;
  }
}
