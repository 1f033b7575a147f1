/**
 * Exact and regular-expression search over the files the index covers (MCP grep_code), so an
 * agent need not leave the index's scope for grep: the walk of the index (its ignore rules,
 * excluded directories, secret files), the content checks of indexing, and secrets redacted
 * before matching, as the index holds them. Line by line, like grep and ripgrep.
 *
 * The engine is V8's own RegExp (JavaScript syntax), with V8's linear-time engine taking over a
 * match that backtracks too much (`--enable-experimental-regexp-engine-on-excessive-backtracks`,
 * set on first use): a pathological pattern such as `(a+)+$` answers in milliseconds instead of
 * hanging the server. No library does better here: RE2's bindings and ripgrep's binaries need
 * install scripts that fetch or compile native code, which cw does not run. A search is also
 * bounded in time (checked between files) and in matches.
 */
import { realpath } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config/schema.js';
import { readSourceFile } from '../discovery/read.js';
import { filterPath } from '../discovery/repo-path.js';
import { RunFilter } from '../discovery/run-filter.js';
import { redactSecrets } from '../discovery/secret-scan.js';
import { walkOptionsFor, walkPaths } from '../discovery/walk.js';
import { UsageError } from '../errors.js';

export const GREP_DEFAULT_MATCHES = 100;
export const GREP_MAX_MATCHES = 2000;
/** How long one search may take; the matches found by then are returned, marked timed out. */
export const GREP_TIME_MS = 10_000;
/** Longest line text returned (the match is kept in view). */
const MAX_TEXT = 300;

export interface GrepRequest {
  pattern: string;
  /** true: a regular expression (JavaScript syntax); false (default): the exact text. */
  regex?: boolean;
  ignoreCase?: boolean;
  /** Only below this repository-relative directory (or this file). */
  under?: string;
  include?: string[];
  exclude?: string[];
  /** Stored language names (already resolved). */
  languages?: ReadonlySet<string>;
  maxMatches?: number;
}

export interface GrepMatch {
  path: string;
  /** 1-based line number. */
  line: number;
  /** 1-based column of the first match on the line (in UTF-16 code units). */
  column: number;
  text: string;
}

export interface GrepResult {
  matches: GrepMatch[];
  filesSearched: number;
  /** More matches exist than were returned (maxMatches reached). */
  truncated: boolean;
  /** The time limit ended the search: files after the last one searched were not. */
  timedOut: boolean;
}

let linearFallback = false;

export async function grep(deps: { root: string; config: Config; now?: () => number }, request: GrepRequest): Promise<GrepResult> {
  const matcher = matcherOf(request);
  const limit = request.maxMatches ?? GREP_DEFAULT_MATCHES;
  const now = deps.now ?? Date.now;
  const deadline = now() + GREP_TIME_MS;
  const under = request.under === undefined ? '' : filterPath(deps.root, request.under, 'path');
  const filter = request.include?.length || request.exclude?.length ? new RunFilter(request.include ?? [], request.exclude ?? []) : undefined;
  const options = walkOptionsFor(deps.config.indexing, filter);
  const realRoot = await realpath(deps.root);
  const matches: GrepMatch[] = [];
  let filesSearched = 0;
  for await (const file of walkPaths(deps.root, [under], options)) {
    if (now() > deadline) return { matches, filesSearched, truncated: false, timedOut: true };
    if (request.languages?.size && !request.languages.has(file.language)) continue;
    const read = await readSourceFile(file, { maxFileSize: deps.config.indexing.max_file_size, realRoot, skipGenerated: deps.config.indexing.skip_generated });
    if (!read.ok) continue;
    filesSearched++;
    const text = deps.config.indexing.redact_secrets ? redactSecrets(read.text).text : read.text;
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
      const at = matcher(line);
      if (at < 0) continue;
      if (matches.length === limit) return { matches, filesSearched, truncated: true, timedOut: false };
      matches.push({ path: file.path, line: i + 1, column: at + 1, text: clip(line, at) });
    }
  }
  return { matches, filesSearched, truncated: false, timedOut: false };
}

/** The index of the first match in a line, or -1. */
function matcherOf(request: GrepRequest): (line: string) => number {
  const { pattern } = request;
  if (!pattern) throw new UsageError('pattern is empty: give the text (or regular expression) to find');
  if (pattern.includes('\n')) throw new UsageError('pattern has a line break: the search is line by line — search for one line of it');
  if (!request.regex) {
    if (!request.ignoreCase) return (line) => line.indexOf(pattern);
    const lower = pattern.toLowerCase();
    return (line) => line.toLowerCase().indexOf(lower);
  }
  if (!linearFallback) {
    setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
    linearFallback = true;
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern, request.ignoreCase ? 'i' : '');
  } catch (err) {
    throw new UsageError(`pattern is not a valid regular expression (JavaScript syntax): ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  return (line) => line.search(re);
}

/** The line, or a window of it that keeps the match in view. */
function clip(line: string, at: number): string {
  if (line.length <= MAX_TEXT) return line;
  const start = Math.max(0, Math.min(at - 100, line.length - MAX_TEXT));
  return `${start > 0 ? '…' : ''}${line.slice(start, start + MAX_TEXT)}…`;
}
