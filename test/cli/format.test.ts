import { describe, expect, it } from 'vitest';
import { formatHits } from '../../src/cli/format.js';
import { Output } from '../../src/cli/output.js';
import type { SearchHit } from '../../src/store/vector-store.js';

const sink = (isTTY: boolean) => ({ isTTY, write: () => true }) as unknown as NodeJS.WriteStream;
const hit = (path: string, startLine: number, snippet: string, snippetStartLine = startLine): SearchHit => ({
  path,
  startLine,
  endLine: startLine + 9,
  score: 1,
  snippet,
  snippetStartLine,
  symbol: null,
  language: 'typescript',
});

describe('formatHits', () => {
  const hits = [hit('src/a.ts', 10, 'retry after\nnext', 12), hit('src/b.ts', 1, 'other'), hit('src/a.ts', 40, 'more retry')];

  it('groups a file\'s hits, prints path:line relative to the working directory, numbers snippet lines', () => {
    const out = new Output({ json: false, quiet: false, verbose: false, stdout: sink(false), stderr: sink(false), env: {} });
    const text = formatHits(hits, out, { root: '/repo', cwd: '/repo/src', query: 'retry' });
    const heads = text.split('\n').filter((l) => /^\S+:\d+/.test(l));
    expect(heads.map((h) => h.split(' ')[0])).toEqual(['a.ts:12', 'a.ts:40', 'b.ts:1']);
    expect(text).toContain('  12 │ retry after\n  13 │ next');
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('highlights the query words on a terminal', () => {
    const out = new Output({ json: false, quiet: false, verbose: false, stdout: sink(true), stderr: sink(true), env: {} });
    const text = formatHits(hits, out, { root: '/repo', cwd: '/repo', query: 'retry' });
    expect(text).toMatch(/\x1b\[1m\x1b\[33mretry\x1b\[39m\x1b\[22m after/);
  });
});
