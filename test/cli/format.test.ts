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
  bestLine: null,
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

describe('quotePath', () => {
  it('quotes a name with a control character, quote or backslash as git does, and leaves others alone', async () => {
    const { quotePath } = await import('../../src/cli/format.js');
    expect(quotePath('src/a.ts')).toBe('src/a.ts');
    expect(quotePath('docs/café ünïcode.md')).toBe('docs/café ünïcode.md');
    expect(quotePath('two\nlines.js')).toBe('"two\\nlines.js"');
    expect(quotePath('tab\there "q" back\\slash\x01')).toBe('"tab\\there \\"q\\" back\\\\slash\\001"');
    for (const p of ['two\nlines.js', 'cr\r.js']) expect(quotePath(p)).not.toMatch(/[\n\r]/);
  });

  it('keeps every search hit on its own path:line line when a file name holds a newline', () => {
    const out = new Output({ json: false, quiet: false, verbose: false, stdout: sink(false), stderr: sink(false), env: {} });
    const text = formatHits([hit('dir/two\nlines.ts', 3, 'x')], out, { root: '/r', cwd: '/r', query: 'x' });
    expect(text.split('\n')[0]).toMatch(/^"dir\/two\\nlines\.ts":3 /);
  });
});
