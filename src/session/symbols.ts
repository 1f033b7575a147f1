/**
 * Where a name is defined (MCP find_symbol): the definitions the index recorded while chunking,
 * ranked by how well their qualified name answers the one asked for — the exact qualified name
 * first (`Session.send` is the method `send` of class `Session`), then a name that ends with it
 * (`send` finds `Session.send`), then the same last part in another scope, then names that start
 * with it, then names that hold it. Within a rank, code before tests, docs and vendored code
 * (the path priors of search), then shorter names and paths. The kind (function, class,
 * method, …) is read from the definition's first line, by its keyword.
 */
import { languageFilter } from '../discovery/language.js';
import { filterPath } from '../discovery/repo-path.js';
import { UsageError } from '../errors.js';
import { pathPrior } from '../store/ranking/priors.js';
import type { SymbolRecord, VectorStore } from '../store/vector-store.js';

export const SYMBOL_DEFAULT_LIMIT = 10;

export type SymbolKind = 'class' | 'interface' | 'struct' | 'enum' | 'trait' | 'type' | 'module' | 'impl' | 'method' | 'function' | 'constant' | 'definition';

export interface SymbolMatch extends SymbolRecord {
  kind: SymbolKind;
  /** How the name matched: exact, suffix (the name ends with the one asked), name (same last part), prefix, contains. */
  match: 'exact' | 'suffix' | 'name' | 'prefix' | 'contains';
}

export interface SymbolRequest {
  name: string;
  limit?: number;
  under?: string;
  languages?: string[];
}

/** Ranks of a match: each kind as written first, then in another case (`request` for `Request`). */
const MATCH_RANK = { exact: 0, suffix: 2, name: 4, prefix: 6, contains: 8 } as const;

export async function findSymbols(root: string, store: VectorStore, request: SymbolRequest): Promise<{ matches: SymbolMatch[]; total: number }> {
  if (!store.symbolCandidates) {
    throw new UsageError(`find_symbol needs the embedded index (this one is ${store.kind}) — use search_code with the name, or grep_code`);
  }
  const name = request.name.trim().replace(/::|#|->/g, '.');
  if (!name) throw new UsageError('name is empty: give the name of a function, class or method (e.g. "Session.send" or "send")');
  const under = request.under === undefined ? '' : filterPath(root, request.under, 'path');
  const languages = languageFilter(request.languages ?? []);
  const last = name.slice(name.lastIndexOf('.') + 1) || name;
  // Each match's sort keys, worked out once (the sort compares each many times).
  const ranked: Array<{ match: SymbolMatch; rank: number; prior: number }> = [];
  for (const record of await store.symbolCandidates(last)) {
    if (under && record.path !== under && !record.path.startsWith(`${under}/`)) continue;
    if (languages.size > 0 && !languages.has(record.language)) continue;
    const match = matchOf(record.symbol, name, last, false);
    if (!match) continue;
    const rank = MATCH_RANK[match] + (matchOf(record.symbol, name, last, true) === match ? 0 : 1);
    ranked.push({ match: { ...record, kind: kindOf(record), match }, rank, prior: pathPrior(record.path, record.language) });
  }
  ranked.sort(
    (x, y) =>
      x.rank - y.rank ||
      y.prior - x.prior ||
      x.match.symbol.length - y.match.symbol.length ||
      x.match.path.length - y.match.path.length ||
      x.match.path.localeCompare(y.match.path) ||
      x.match.startLine - y.match.startLine,
  );
  const matches = ranked.map((r) => r.match);
  return { matches: matches.slice(0, request.limit ?? SYMBOL_DEFAULT_LIMIT), total: matches.length };
}

/** How `symbol` answers `name` (whose last part is `last`), ignoring case unless `exactCase`. */
function matchOf(symbol: string, name: string, last: string, exactCase: boolean): SymbolMatch['match'] | null {
  const fold = (text: string) => (exactCase ? text : text.toLowerCase());
  const [s, n, l] = [fold(symbol), fold(name), fold(last)];
  if (s === n) return 'exact';
  if (s.endsWith(`.${n}`)) return 'suffix';
  const symbolLast = s.slice(s.lastIndexOf('.') + 1);
  if (symbolLast === l) return 'name';
  if (symbolLast.startsWith(l)) return 'prefix';
  return s.includes(l) ? 'contains' : null;
}

/** The kind by the keyword that opens the definition; a function inside a named scope is a method. */
function kindOf(record: SymbolRecord): SymbolKind {
  const line = record.line.replace(/^(export\s+(default\s+)?|pub(\([^)]*\))?\s+|public\s+|private\s+|protected\s+|internal\s+|static\s+|abstract\s+|final\s+|async\s+|@\S+\s*)+/g, '');
  const keyword = /^(class|interface|struct|enum|trait|type|module|namespace|impl|mod)\b/.exec(line)?.[1];
  if (keyword) return keyword === 'namespace' || keyword === 'mod' ? 'module' : (keyword as SymbolKind);
  // The line opens a definition, so a name followed by its parameters is a callable (a method
  // `send(url) {`, `get size() {`, a C function `int main(void)`).
  const callable =
    /^(def|function\*?|func|fn|fun|sub)\b/.test(line) ||
    /^(const|let|var)\s+[\w$]+\s*=\s*(async\s*)?(function|\(|[\w$]+\s*=>)/.test(line) ||
    /^((get|set)\s+)?\*?[\w$]+\s*(<[^>]*>)?\s*\(/.test(line) ||
    /^[\w$:<>,*&\s]+\s[*&]*[\w$:~]+\s*\(/.test(line);
  if (callable) return record.symbol.includes('.') ? 'method' : 'function';
  if (/^(const|let|var|val)\s/.test(line) || /^[A-Z0-9_]+\s*=/.test(line)) return 'constant';
  return 'definition';
}
