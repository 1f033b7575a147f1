/**
 * The definitions the embedded index knows by name: each chunk's symbol (its definition's
 * qualified name, `Session.send`, or the scope it lies in) and the definitions merged into it from
 * small neighbours (`definitions`, schema v7). Candidates by a case-insensitive substring of the
 * name, grouped into one record per file and symbol spanning its chunks; the ranking is the
 * session's (session/symbols.ts).
 */
import type Database from 'better-sqlite3';
import type { SymbolRecord } from '../vector-store.js';
import { parseDefinitions } from '../ranking/hit-symbol.js';
import { definitionsColumn, type ChunkRow } from './chunk-rows.js';

type Db = Database.Database;

type Row = ChunkRow;

/** Chunks read for one lookup at most: a name that common is not a name. */
const MAX_ROWS = 20_000;

export function symbolCandidates(db: Db, part: string): SymbolRecord[] {
  const definitions = definitionsColumn(db);
  const hasDefinitions = definitions === 'definitions';
  const like = `%${part.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = db
    .prepare(
      `SELECT path, start_line, end_line, symbol, ${definitions}, language, content FROM chunks
       WHERE symbol LIKE ? ESCAPE '\\'${hasDefinitions ? " OR definitions LIKE ? ESCAPE '\\'" : ''} LIMIT ${MAX_ROWS}`,
    )
    .all(...(hasDefinitions ? [like, like] : [like])) as Row[];
  const needle = part.toLowerCase();
  const records = new Map<string, SymbolRecord>();
  const add = (row: Row, symbol: string, startLine: number, endLine: number) => {
    if (!symbol.toLowerCase().includes(needle)) return;
    const key = `${row.path}\0${symbol}`;
    const line = row.content.split('\n')[startLine - row.start_line]?.trim() ?? '';
    const seen = records.get(key);
    if (!seen) {
      records.set(key, { path: row.path, symbol, startLine, endLine, language: row.language, line });
      return;
    }
    if (startLine < seen.startLine) Object.assign(seen, { startLine, line });
    seen.endLine = Math.max(seen.endLine, endLine);
  };
  for (const row of rows) {
    const defined = parseDefinitions(row.definitions);
    for (const d of defined ?? []) add(row, d.symbol, d.startLine, d.endLine);
    // A chunk that is not one of those definitions carries its own symbol over its whole range.
    if (row.symbol && !defined?.some((d) => d.symbol === row.symbol)) add(row, row.symbol, row.start_line, row.end_line);
  }
  return [...records.values()];
}
