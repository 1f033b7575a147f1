/**
 * Reading a file of the repository for an agent (MCP read_code): a line range, or the chunk
 * around a line as the indexer makes it today. Only what the index may hold is read, by the
 * indexer's own rules: the path is confined to the root (no `..`, no symbolic link out), the walk
 * must take it (ignore rules, secret files, excluded directories), and its content passes the
 * same checks (binary, size, generated, minified) and has its secrets redacted as before
 * chunking. An agent can expand a search hit without a second server, and never reads more than
 * the index would show.
 */
import type { Chunker } from '../chunking/contract.js';
import type { Config } from '../config/schema.js';
import { readSourceFile } from '../discovery/read.js';
import { repoPath } from '../discovery/repo-path.js';
import { redactSecrets } from '../discovery/secret-scan.js';
import { SKIP_REASONS } from '../discovery/skip-reasons.js';
import { walkOptionsFor, walkPaths, type DiscoveredFile } from '../discovery/walk.js';
import { UsageError } from '../errors.js';
import { realpath } from 'node:fs/promises';

/** The most lines one read returns. */
export const MAX_READ_LINES = 500;

export interface ReadRequest {
  /** Repository-relative file. */
  path: string;
  /** First line (1-based) of a range; default 1. */
  startLine?: number;
  /** Last line of a range (inclusive); default start + MAX_READ_LINES - 1, or the end. */
  endLine?: number;
  /** The chunk holding this line instead of a range. */
  aroundLine?: number;
}

export interface ReadResult {
  path: string;
  language: string;
  startLine: number;
  endLine: number;
  totalLines: number;
  code: string;
  /** More lines were asked for than one read returns: `endLine` is the last one given. */
  truncated: boolean;
}

export interface ReadDeps {
  root: string;
  config: Config;
  /** The chunker the index uses, for `aroundLine`. */
  chunker: () => Chunker;
}

export async function readCode(deps: ReadDeps, request: ReadRequest): Promise<ReadResult> {
  const rel = repoPath(deps.root, request.path, 'path');
  if (!rel) throw new UsageError('path: give a file of the repository, not its root');
  const file = await discovered(deps, rel);
  const read = await readSourceFile(file, { maxFileSize: deps.config.indexing.max_file_size, realRoot: await realpath(deps.root), skipGenerated: deps.config.indexing.skip_generated });
  if (!read.ok) throw new UsageError(`${rel}: not readable here — ${SKIP_REASONS[read.reason]}`);
  const text = deps.config.indexing.redact_secrets ? redactSecrets(read.text).text : read.text;
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop(); // the final newline ends the last line
  const total = lines.length;
  let start: number;
  let end: number;
  if (request.aroundLine !== undefined) {
    if (request.startLine !== undefined || request.endLine !== undefined) throw new UsageError('give around_line, or start_line/end_line, not both');
    inRange('around_line', request.aroundLine, total, rel);
    const chunks = await deps.chunker().chunkFile({ path: rel, language: file.language, text });
    const chunk = chunks.find((c) => c.startLine <= request.aroundLine! && request.aroundLine! <= c.endLine);
    start = chunk?.startLine ?? request.aroundLine;
    end = chunk?.endLine ?? request.aroundLine;
  } else {
    start = request.startLine ?? 1;
    inRange('start_line', start, total, rel);
    end = Math.min(total, request.endLine ?? start + MAX_READ_LINES - 1);
    if (end < start) throw new UsageError(`end_line ${request.endLine} is before start_line ${start}`);
  }
  const truncated = end - start + 1 > MAX_READ_LINES;
  if (truncated) end = start + MAX_READ_LINES - 1;
  return { path: rel, language: file.language, startLine: start, endLine: end, totalLines: total, code: lines.slice(start - 1, end).join('\n'), truncated };
}

/** The file as the walk of the index takes it, or a UsageError saying it does not. */
async function discovered(deps: ReadDeps, rel: string): Promise<DiscoveredFile> {
  const skipped: string[] = [];
  const options = { ...walkOptionsFor(deps.config.indexing), onSkip: (_path: string, reason: keyof typeof SKIP_REASONS) => skipped.push(SKIP_REASONS[reason]) };
  for await (const file of walkPaths(deps.root, [rel], options)) {
    if (file.path === rel) return file;
    throw new UsageError(`${rel} is a directory — give a file in it (search_code or grep find which)`);
  }
  const why = skipped[0] ?? 'no such file';
  throw new UsageError(`${rel}: not a file the index covers (${why})`);
}

function inRange(name: string, line: number, total: number, rel: string): void {
  if (line < 1 || line > total) throw new UsageError(`${name} ${line} is outside ${rel} (lines 1–${total})`);
}
