/**
 * Files the query names: a path (`requests/sessions.py`), a traceback frame
 * (`File ".../site-packages/requests/sessions.py", line 5`) or a dotted module
 * (`xarray.core.groupby`). A user who names a file usually means it: hits in a named file are
 * ranked up (scaled, not moved to the top: a named file whose chunks do not match stays down).
 */
import type { SearchHit } from '../vector-store.js';

/** How much a hit in a named file weighs. */
export const NAMED_FILE_BOOST = 1.5;

const PATH_TOKEN = /[\w.-]*(?:\/[\w.-]+)+\.[A-Za-z]{1,5}\b|\b[\w-]+\.(?:py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|java|kt|rb|php|cs|cpp|cc|c|h|hpp|swift|scala|rst|md)\b/g;
/** a.b or a.b.c: lower-case words joined by dots, not a version (1.2.3) or a file name (x.py). */
const DOTTED_MODULE = /\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*){1,}\b/g;

/** An object's own name in a method (`self.x`), not a module. */
const RECEIVERS = new Set(['self', 'cls', 'this', 'super']);
/** The last part of `sessions.py`: a file name, found as a path already. */
const FILE_EXTENSION = /^(?:py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|java|kt|rb|php|cs|cpp|cc|c|h|hpp|swift|scala|rst|md|txt|json|ya?ml|toml|cfg|ini)$/;

/** What the query names, as path suffixes (`requests/sessions.py`) and module paths (`xarray/core/groupby`). */
export function namedFiles(query: string): { paths: string[]; modules: string[] } {
  const paths = new Set<string>();
  for (const m of query.matchAll(PATH_TOKEN)) {
    const p = m[0].replace(/^\.?\/+/, '');
    if (p.includes('.') && !/^\d/.test(p)) paths.add(p);
  }
  const modules = new Set<string>();
  for (const m of query.matchAll(DOTTED_MODULE)) {
    // Lower-case dotted words that are a file name (x.py) or an attribute chain on a short
    // variable (self.x, os.path) say little: two parts at least, the first longer than two letters.
    const parts = m[0].split('.');
    if (parts[0]!.length <= 2 || RECEIVERS.has(parts[0]!) || FILE_EXTENSION.test(parts.at(-1)!) || parts.some((x) => x.length < 2)) continue;
    modules.add(parts.join('/'));
  }
  return { paths: [...paths], modules: [...modules] };
}

/** Whether `path` (repository-relative) is a file the query names. */
function isNamed(path: string, named: { paths: string[]; modules: string[] }): boolean {
  if (named.paths.some((p) => p === path || p.endsWith(`/${path}`) || path.endsWith(`/${p}`))) return true;
  const stem = path.replace(/\.[^./]+$/, '');
  return named.modules.some((m) => stem === m || stem.endsWith(`/${m}`) || (stem.endsWith('/__init__') && stem.slice(0, -'/__init__'.length).endsWith(m)));
}

/** Hits re-ranked with files the query names weighing more (stable for equal scores). */
export function boostNamedFiles<H extends Pick<SearchHit, 'path' | 'score'>>(hits: H[], query: string): H[] {
  const named = namedFiles(query);
  if (named.paths.length === 0 && named.modules.length === 0) return hits;
  return hits
    .map((h, i) => ({ h: isNamed(h.path, named) ? { ...h, score: h.score * NAMED_FILE_BOOST } : h, i }))
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .map(({ h }) => h);
}
