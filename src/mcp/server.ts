/**
 * `cw mcp`: the index served to AI agents over the Model Context Protocol. Three tools over one
 * long-lived session — the index stays open between calls, searches read through their own
 * connection while a refresh writes. Policy stays in the session: this file only maps tool
 * calls to it and its answers to structured results.
 *
 * Every result and every error text passes through the redactor: a key that reached a message
 * (an SDK's error echoing a header, say) never reaches the agent.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import { kindOf, UsageError } from '../errors.js';
import { GREP_DEFAULT_MATCHES, GREP_MAX_MATCHES, GREP_TIME_MS } from '../session/grep.js';
import { MAX_READ_LINES } from '../session/read-code.js';
import { RANKING_DEPTH } from '../session/search.js';
import { pageAnswer } from './search-page.js';
import { redact, redactDeep } from '../redact.js';
import type { Session } from '../session/session.js';
import { indexedFields } from '../session/status-document.js';

export interface McpServerOptions {
  session: Session;
  version: string;
  /** Whether a watcher keeps the index fresh (`cw mcp --watch`), for index_status: starting, watching or off. */
  watchState: () => 'starting' | 'watching' | 'off';
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The longest query: a whole issue with its traceback and version dump (SWE-bench Lite's longest
 * is about 25,000 characters; a third of its dev split is over 2,000). Agents pass issues whole.
 */
const MAX_QUERY_CHARS = 32_000;
/** The smallest token budget: room for the answer's frame and one compact hit. */
const MIN_MAX_TOKENS = 500;

const SEARCH_INPUT = {
  query: z
    .string()
    .trim()
    .min(1, 'query is empty: give words, identifiers or a description of the code to find')
    .max(MAX_QUERY_CHARS)
    .describe(
      'What to find: a description of behaviour ("retry with exponential backoff"), identifiers ("HttpClientPool"), or both; or a whole issue, bug report or traceback as written (up to 32,000 characters): a long text is searched for its identifiers, file names and modules, with its prose words weighing less.',
    ),
  limit: z.number().int().min(1).max(50).default(10).describe('Most results on this page (1–50, default 10).'),
  offset: z
    .number()
    .int()
    .min(0)
    .max(RANKING_DEPTH - 1)
    .default(0)
    .describe(`Where this page starts in the ranking (0, then the next_offset of the previous answer), up to ${RANKING_DEPTH} hits; pages fetched in turn neither skip nor repeat a hit.`),
  max_tokens: z
    .number()
    .int()
    .min(MIN_MAX_TOKENS)
    .max(200_000)
    .optional()
    .describe(`The most tokens this answer may take (at least ${MIN_MAX_TOKENS}), counted over the structured result and its text with cw's estimate (about 4 characters a token): hits are cut to fit, and next_offset says where to go on.`),
  format: z
    .enum(['full', 'compact'])
    .default('full')
    .describe('full: each hit with its code; compact: location, symbol and the best-matching line only (about a tenth of the tokens), to skim many hits and read the chosen ones with their line numbers.'),
  path: z
    .string()
    .min(1)
    .optional()
    .describe('Only results below this repository-relative directory, or in this file (e.g. "src/http"). The same as `under`, the CLI\'s name (cw search --under).'),
  under: z.string().min(1).optional().describe('Another name for `path` (as cw search --under): give one of the two.'),
  include: z.array(z.string().min(1)).max(50).optional().describe('Only files matching these globs (.gitignore syntax, e.g. "*.ts", "src/**").'),
  exclude: z.array(z.string().min(1)).max(50).optional().describe('No files matching these globs (e.g. "test/", "*.md").'),
  language: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(20)])
    .optional()
    .describe('Only these languages: "typescript", "python", "go", "rust", "markdown", … (one or a list).'),
};

const HIT = z.object({
  path: z.string().describe('Repository-relative path.'),
  start_line: z.number().int(),
  end_line: z.number().int(),
  best_line: z.number().int().describe('The line that matched the query best (the first line when none did by its words).'),
  line: z.string().describe("best_line's text, trimmed."),
  symbol: z.string().nullable().describe('The enclosing definition (function, class, method), when known.'),
  language: z.string(),
  score: z.number(),
  rerank_score: z.number().optional().describe("The reranker's score (when reranked and among its candidates); the order follows it."),
  code: z.string().optional().describe("The chunk's code, lines start_line..end_line (full form only)."),
  truncated: z.boolean().optional().describe('The code was cut to max_tokens: end_line is the last line shown.'),
});

const SEARCH_OUTPUT = {
  root: z.string().describe('The repository root; result paths are relative to it.'),
  search_mode: z.enum(['lexical', 'hybrid']),
  format: z.enum(['full', 'compact']),
  offset: z.number().int(),
  total: z.number().int().describe(`Hits ranked so far (at most ${RANKING_DEPTH}).`),
  complete: z.boolean().describe('Whether total is all there is; false: a later page ranks deeper.'),
  next_offset: z.number().int().nullable().describe('The offset of the next page, or null at the end of the ranking.'),
  reranked: z.boolean().describe('Whether a reranker (search.rerank) reordered the best hits; false when none is configured or it failed (rerank.error says why; the first-stage order stands).'),
  rerank: z
    .object({
      reranked: z.boolean(),
      provider: z.string(),
      model: z.string(),
      candidates: z.number().int(),
      latency_ms: z.number().nullable(),
      tokens: z.number().nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
  results: z.array(HIT),
};

const STATUS_INPUT = {
  check_changes: z.boolean().default(false).describe('Also count the files changed since the last run (a dry run: takes about as long as a refresh that finds nothing to do).'),
};

const STATUS_OUTPUT = {
  root: z.string(),
  indexed: z.boolean().describe('false: nothing indexed yet (call refresh_index).'),
  store: z.string(),
  location: z.string(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  dimensions: z.number().int().nullable(),
  search_mode: z.enum(['lexical', 'hybrid']).nullable(),
  files: z.number().int(),
  chunks: z.number().int(),
  vectors: z.number().int(),
  dense_engine: z.enum(['sqlite-vec', 'scan', 'qdrant']).nullable().describe('How dense queries are answered: sqlite-vec (quantized candidates rescored exactly), scan (every vector), qdrant; null for a lexical index.'),
  languages: z.record(z.string(), z.number().int()).nullable().describe('Files per language, most first (null for a Qdrant index).'),
  created_at: z.string().nullable(),
  last_indexed_at: z.string().nullable(),
  changes: z
    .object({
      new_or_changed: z.number().int().describe('Files a refresh would index (new, or changed since the last run).'),
      deleted: z.number().int().describe('Indexed files no longer there (or no longer in scope).'),
      unchanged: z.number().int(),
    })
    .nullable()
    .describe('With check_changes: what a refresh_index would do now (a dry run: nothing written). Null otherwise.'),
  run_in_progress: z.boolean(),
  run: z
    .object({
      started_at: z.string().nullable(),
      phase: z.string().nullable(),
      files_found: z.number().int().nullable(),
      files_done: z.number().int().nullable(),
    })
    .nullable()
    .describe('The index run in progress, if any.'),
  watching: z.boolean().describe('A watcher indexes file changes as they happen (true only once it receives them).'),
  watch: z
    .enum(['starting', 'watching', 'off'])
    .describe('The watcher (cw mcp --watch): starting (subscribing to the tree; searches answer from the index as it is), watching, or off.'),
};

const GREP_INPUT = {
  pattern: z.string().min(1, 'pattern is empty: give the text to find').max(1000).describe('The text to find in a line (exact, case-sensitive unless ignore_case), or a regular expression with regex: true.'),
  regex: z.boolean().default(false).describe('Read pattern as a JavaScript regular expression (e.g. "fetch\\(.*timeout").'),
  ignore_case: z.boolean().default(false),
  path: SEARCH_INPUT.path,
  under: SEARCH_INPUT.under,
  include: SEARCH_INPUT.include,
  exclude: SEARCH_INPUT.exclude,
  language: SEARCH_INPUT.language,
  max_matches: z.number().int().min(1).max(GREP_MAX_MATCHES).default(GREP_DEFAULT_MATCHES).describe(`Most matches returned (1–${GREP_MAX_MATCHES}, default ${GREP_DEFAULT_MATCHES}).`),
};

const GREP_OUTPUT = {
  root: z.string(),
  matches: z.array(z.object({ path: z.string(), line: z.number().int(), column: z.number().int(), text: z.string() })),
  files_searched: z.number().int(),
  truncated: z.boolean().describe('More matches exist than were returned.'),
  timed_out: z.boolean().describe('The time limit stopped the search before every file was searched.'),
};

const SYMBOL_INPUT = {
  name: z.string().trim().min(1, 'name is empty: give the name of a function, class or method').max(500).describe('The name, qualified or not: "Session.send", "send", "LruCache", "parse_" (a start).'),
  limit: z.number().int().min(1).max(100).default(10).describe('Most definitions (1–100, default 10).'),
  path: SEARCH_INPUT.path,
  under: SEARCH_INPUT.under,
  language: SEARCH_INPUT.language,
};

const SYMBOL_OUTPUT = {
  root: z.string(),
  total: z.number().int().describe('Definitions that matched, of which `results` are the first.'),
  results: z.array(
    z.object({
      symbol: z.string().describe('Qualified name (Class.method).'),
      kind: z.string().describe('class, interface, struct, enum, trait, type, module, impl, method, function, constant or definition (by the keyword on its first line).'),
      match: z.enum(['exact', 'suffix', 'name', 'prefix', 'contains']),
      path: z.string(),
      start_line: z.number().int(),
      end_line: z.number().int(),
      language: z.string(),
      line: z.string().describe('Its first line.'),
    }),
  ),
};

const line = (what: string) => z.number().int().min(1).optional().describe(what);

const READ_INPUT = {
  path: z.string().min(1).describe('Repository-relative file, as search_code gives it (e.g. "src/http/pool.ts").'),
  start_line: line('First line to read (1-based; default 1).'),
  end_line: line(`Last line to read (inclusive; default start_line + ${MAX_READ_LINES - 1}).`),
  around_line: line('Read the whole chunk (function, class, block) holding this line instead of a range.'),
};

const READ_OUTPUT = {
  root: z.string(),
  path: z.string(),
  language: z.string(),
  start_line: z.number().int(),
  end_line: z.number().int(),
  total_lines: z.number().int().describe("The file's length in lines."),
  truncated: z.boolean().describe(`More than ${MAX_READ_LINES} lines were asked for: end_line is the last one given.`),
  code: z.string().describe('Lines start_line..end_line.'),
};

const REFRESH_INPUT = {
  paths: z
    .array(z.string().min(1))
    .max(1000)
    .optional()
    .describe('Only these repository-relative files or directories (default: the whole repository).'),
};

const REFRESH_OUTPUT = {
  files: z.looseObject({
    scanned: z.number().int(),
    indexed: z.number().int(),
    unchanged: z.number().int(),
    deleted: z.number().int(),
    out_of_scope: z.number().int(),
    failed: z.number().int(),
  }),
  chunks: z.looseObject({ embedded: z.number().int(), reused: z.number().int(), written: z.number().int(), deleted: z.number().int() }),
  duration_ms: z.number(),
  search_mode: z.enum(['lexical', 'hybrid']),
  interrupted: z.boolean(),
  aborted: z.string().nullable().describe('Why the run stopped early (e.g. the embedding provider is down), or null.'),
  failures: z.array(z.object({ path: z.string(), error: z.string() })).describe('Files that could not be indexed (the first few).'),
};

export function createMcpServer(options: McpServerOptions): McpServer {
  const { session } = options;
  const server = new McpServer(
    { name: 'codeweaver', version: options.version },
    {
      instructions:
        'codeweaver indexes this repository for code search. Which tool when: search_code to find code by meaning or by identifiers when you do not know where it is (a description, names, or a whole issue; format "compact" and max_tokens to skim many hits, offset to page); find_symbol for where a name is defined ("Session.send"); grep_code for every line holding an exact text or a regular expression (an identifier\'s uses, an error message); read_code to read a hit\'s surroundings (around_line: its whole function or class) or any line range; index_status to see how fresh the index is and whether a watcher keeps it so; refresh_index after files changed (not needed when the server watches). All of them see only the files the index covers, and never a secret.',
    },
  );

  server.registerTool(
    'search_code',
    {
      title: 'Search the code',
      description:
        "Searches this repository's code index by meaning and by keywords (hybrid semantic + BM25; BM25 only for a lexical index) and returns the best-matching code chunks with path, line range, enclosing symbol, language, score and the code itself. Use it to find where something is implemented, defined or used when you do not know the file: describe the behaviour or name identifiers, or pass a whole issue, bug report or traceback as it is (it is read for its code names, paths and modules, and its first line for whether tests or docs are wanted). Narrow with path, include/exclude globs or language. For an exact string, grep is the better tool.",
      inputSchema: SEARCH_INPUT,
      outputSchema: SEARCH_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const page = await session.searchPage({ query: args.query, limit: args.limit, offset: args.offset, ...filtersOf(args) });
        return pageAnswer(session.root, page, { format: args.format, maxTokens: args.max_tokens });
      }, () => noIndexHint(session)),
  );

  server.registerTool(
    'find_symbol',
    {
      title: 'Find a definition',
      description:
        'Finds where a function, class, method or other definition is defined, by name: "Session.send" (the method send of class Session), "send", "parse_args", or the start of a name. Returns each definition with its qualified name, kind (class, function, method, …), file, lines and first line, the exact qualified name first, then names ending with it, the same name in other scopes, names starting with it, names holding it; code before tests. Use it for "where is X defined"; search_code for what code does, grep_code for every use of a name.',
      inputSchema: SYMBOL_INPUT,
      outputSchema: SYMBOL_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const { under, languages } = filtersOf(args);
        const { matches, total } = await session.findSymbols({ name: args.name, limit: args.limit, under, languages });
        const results = matches.map((m) => ({ symbol: m.symbol, kind: m.kind, match: m.match, path: m.path, start_line: m.startLine, end_line: m.endLine, language: m.language, line: m.line }));
        const text = results.length === 0 ? `No definition named like "${args.name}".` : results.map((r) => `${r.path}:${r.start_line}-${r.end_line} ${r.kind} ${r.symbol}  ${r.line}`).join('\n') + (total > results.length ? `\n[${total - results.length} more: raise limit]` : '');
        return { structured: { root: session.root, total, results }, text };
      }, () => noIndexHint(session)),
  );

  server.registerTool(
    'grep_code',
    {
      title: 'Grep the code',
      description: `Finds every line holding an exact text (or, with regex: true, a JavaScript regular expression) in the files this index covers: its scope and ignore rules, no dependencies or build output, secrets redacted. Returns path, line, column and the line's text, in file order; at most ${GREP_MAX_MATCHES} matches a call (default ${GREP_DEFAULT_MATCHES}) and ${GREP_TIME_MS / 1000} s. Use it for an exact identifier, string or error message, or to find every use of a name; search_code is better for a description of behaviour.`,
      inputSchema: GREP_INPUT,
      outputSchema: GREP_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const found = await session.grep({ pattern: args.pattern, regex: args.regex, ignoreCase: args.ignore_case, maxMatches: args.max_matches, ...filtersOf(args) });
        const structured = {
          root: session.root,
          matches: found.matches,
          files_searched: found.filesSearched,
          truncated: found.truncated,
          timed_out: found.timedOut,
        };
        const tail = found.truncated
          ? `\n[more matches: narrow with path, include or language, or raise max_matches]`
          : found.timedOut
            ? `\n[stopped after ${GREP_TIME_MS / 1000} s and ${found.filesSearched} files: narrow with path or include]`
            : '';
        const text = found.matches.length === 0 ? `No matches in ${found.filesSearched} files.${tail}` : found.matches.map((m) => `${m.path}:${m.line}:${m.column}: ${m.text}`).join('\n') + tail;
        return { structured, text };
      }),
  );

  server.registerTool(
    'read_code',
    {
      title: 'Read code',
      description: `Reads lines of a file of this repository: a range (start_line, end_line; at most ${MAX_READ_LINES} lines a call), or with around_line the whole chunk (function, class, block) that holds that line, as the index splits the file. Use it to expand a search_code hit or see a definition's surroundings without a second tool. Only files the index covers can be read (no paths outside the repository, no ignored or secret files); secrets inside files are shown redacted, as the index holds them.`,
      inputSchema: READ_INPUT,
      outputSchema: READ_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const read = await session.readCode({ path: args.path, startLine: args.start_line, endLine: args.end_line, aroundLine: args.around_line });
        const structured = {
          root: session.root,
          path: read.path,
          language: read.language,
          start_line: read.startLine,
          end_line: read.endLine,
          total_lines: read.totalLines,
          truncated: read.truncated,
          code: read.code,
        };
        const more = read.truncated ? `\n[${read.totalLines - read.endLine} more lines: call again with start_line ${read.endLine + 1}]` : '';
        return { structured, text: `${read.path}:${read.startLine}-${read.endLine} (of ${read.totalLines} lines)\n${read.code}${more}` };
      }),
  );

  server.registerTool(
    'index_status',
    {
      title: 'Index status',
      description:
        'Tells whether this repository is indexed and how fresh the index is: files and chunks indexed, files per language, the embedding provider and model, the search mode, when it was created and last indexed, whether an index run is in progress, and whether a watcher keeps it up to date (starting, watching, off). With check_changes: true, also how many files changed since the last run (a dry run of refresh_index: unchanged files cost a stat each, nothing is written). Call it when search results look stale, empty or surprising.',
      inputSchema: STATUS_INPUT,
      outputSchema: STATUS_OUTPUT,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const status = await session.status();
        const changes = args.check_changes && status ? await session.pendingChanges() : null;
        const store = await session.openReader();
        const activity = session.activity();
        const doc = {
          root: session.root,
          // Not indexed yet: the same fields, empty.
          ...(indexedFields(status) ?? {
            indexed: false,
            store: store.kind,
            location: store.location,
            provider: null,
            model: null,
            dimensions: null,
            search_mode: null,
            files: 0,
            chunks: 0,
            vectors: 0,
            dense_engine: null,
            languages: null,
            created_at: null,
            last_indexed_at: null,
          }),
          run_in_progress: activity.running,
          run: activity.running
            ? {
                started_at: activity.startedAt?.toISOString() ?? null,
                phase: activity.progress?.phase ?? null,
                files_found: activity.progress?.filesTotal ?? null,
                files_done: activity.progress?.filesDone ?? null,
              }
            : null,
          watching: options.watchState() === 'watching',
          watch: options.watchState(),
          changes,
        };
        const text = doc.indexed
          ? `${doc.files} files, ${doc.chunks} chunks indexed with ${doc.provider}/${doc.model} (${doc.search_mode}); last indexed ${doc.last_indexed_at ?? 'unknown'}${doc.run_in_progress ? '; an index run is in progress' : ''}${doc.watch === 'watching' ? '; kept up to date by a watcher' : doc.watch === 'starting' ? '; a watcher is starting (changes are picked up once it watches)' : ''}${changes ? `; since then ${changes.new_or_changed} files new or changed and ${changes.deleted} gone${changes.new_or_changed + changes.deleted > 0 ? ' (refresh_index takes them in)' : ''}` : ''}`
          : `not indexed yet${doc.run_in_progress ? ' (an index run is in progress)' : ' — call refresh_index to index it'}`;
        return { structured: doc, text };
      }),
  );

  server.registerTool(
    'refresh_index',
    {
      title: 'Refresh the index',
      description:
        'Brings the index up to date with the files on disk: new and changed files are indexed, deleted ones removed; unchanged files cost almost nothing. Call it after files were edited, or when index_status says the index is missing or old (the first run indexes everything and may take minutes on a large repository). Sends progress notifications while it runs and returns what changed. Not needed when the server watches the repository.',
      inputSchema: REFRESH_INPUT,
      outputSchema: REFRESH_OUTPUT,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) =>
      answer(async () => {
        const progress = progressReporter(extra);
        const summary = await session.index({ paths: args.paths, signal: extra.signal, onProgress: progress?.report });
        await progress?.sent(); // written before the result, and in an earlier turn (see progressReporter)
        const f = summary.files;
        const structured = {
          files: f,
          chunks: summary.chunks,
          duration_ms: summary.duration_ms,
          search_mode: summary.search_mode,
          interrupted: summary.interrupted,
          aborted: summary.aborted,
          failures: summary.failures,
        };
        const text = `${f.indexed} files indexed, ${f.unchanged} unchanged, ${f.deleted} deleted${f.out_of_scope ? `, ${f.out_of_scope} out of scope` : ''}${f.failed ? `, ${f.failed} failed` : ''} in ${(summary.duration_ms / 1000).toFixed(1)} s${summary.aborted ? ` — stopped early: ${summary.aborted}` : ''}${summary.interrupted ? ' — interrupted' : ''}`;
        return { structured, text };
      }),
  );

  return server;
}

/** The filters search_code and grep_code share, as the session takes them (`path` and `under` are one). */
function filtersOf(args: { path?: string; under?: string; include?: string[]; exclude?: string[]; language?: string | string[] }) {
  if (args.path !== undefined && args.under !== undefined && args.path !== args.under) throw new UsageError('path and under name the same filter: give one of them');
  return {
    under: args.path ?? args.under,
    include: args.include,
    exclude: args.exclude,
    languages: args.language === undefined ? undefined : Array.isArray(args.language) ? args.language : [args.language],
  };
}

/**
 * A tool's answer as a CallToolResult: the structured document (validated by the SDK against
 * the output schema) and the same in text for clients that show only text. A failure becomes
 * an error result naming the problem — never a crash of the server.
 */
async function answer(
  body: () => Promise<{ structured: Record<string, unknown>; text: string }>,
  explain?: () => Promise<string | null>,
): Promise<CallToolResult> {
  try {
    const { structured, text } = await body();
    return { structuredContent: redactDeep(structured), content: [{ type: 'text', text: redact(text) }] };
  } catch (err) {
    const hint = (await explain?.().catch(() => null)) ?? null;
    const message = hint ?? (err instanceof Error ? err.message : String(err));
    // The kind (errors.ts) for an agent's program to act on; the text is for the model.
    return { isError: true, content: [{ type: 'text', text: redact(message) }], _meta: { 'codeweaver/error_kind': kindOf(err) } };
  }
}

/** When a search fails because nothing is indexed yet, the agent is told what to call. */
async function noIndexHint(session: Session): Promise<string | null> {
  if (await session.status()) return null;
  return 'this repository is not indexed yet — call refresh_index first (it indexes every file once; later refreshes are incremental)';
}

type Progress = { filesDone: number; filesTotal: number; expectedTotal: number | null; discoveryDone: boolean; phase: string };

/**
 * Progress notifications for the client's progress token, at most about 5 a second. `sent()`
 * resolves once every notification so far is written. The result waits for it: the SDK's
 * client handles a notification in a microtask but a response at once, so a final "done"
 * that reaches it in the same read as the result is handled after it, as naming an unknown
 * token, and dropped (modelcontextprotocol/typescript-sdk#2580). Written in an earlier turn,
 * it usually arrives first; a loaded machine can still merge the two reads.
 */
function progressReporter(extra: Extra): { report: (p: Progress) => void; sent: () => Promise<void> } | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let last = 0;
  let sent = -1;
  let pending: Promise<void> = Promise.resolve();
  const report = (p: Progress): void => {
    const now = Date.now();
    if (now - last < 200 && p.phase !== 'done') return;
    if (p.filesDone <= sent) return; // each notification's progress must be higher than the last
    last = now;
    sent = p.filesDone;
    const total = p.discoveryDone ? p.filesTotal : (p.expectedTotal ?? undefined);
    const notification = extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: p.filesDone, ...(total !== undefined ? { total } : {}), message: `${p.phase}: ${p.filesDone} of ${total ?? '?'} files` },
      })
      .catch(() => {}); // a client gone mid-run is the transport's concern, not this run's
    pending = Promise.all([pending, notification]).then(() => {});
  };
  return { report, sent: () => pending };
}
