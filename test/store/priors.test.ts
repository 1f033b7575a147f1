import { describe, expect, it } from 'vitest';
import { applyPathPriors, pathPrior } from '../../src/store/ranking/priors.js';
import type { SearchHit } from '../../src/store/vector-store.js';

const hit = (path: string, score: number, language = 'typescript'): SearchHit => ({
  path,
  startLine: 1,
  endLine: 2,
  score,
  snippet: '',
  snippetStartLine: 1,
  symbol: null,
  language,
});

describe('path priors', () => {
  it('rank tests, changelogs and prose below code of a similar score, not out', () => {
    expect(pathPrior('src/http/retry.ts', 'typescript')).toBe(1);
    expect(pathPrior('test/http/retry.test.ts', 'typescript')).toBeLessThan(1);
    expect(pathPrior('pkg/retry_test.go', 'go')).toBeLessThan(1);
    expect(pathPrior('CHANGELOG.md', 'markdown')).toBeLessThan(pathPrior('docs/guide.md', 'markdown'));
    const ranked = applyPathPriors([hit('test/retry.test.ts', 10), hit('CHANGELOG.md', 9, 'markdown'), hit('src/retry.ts', 8), hit('test/only.test.ts', 30)], 'retry after');
    expect(ranked.map((h) => h.path)).toEqual(['test/only.test.ts', 'src/retry.ts', 'test/retry.test.ts', 'CHANGELOG.md']);
  });

  it('leave the order alone when the query asks for tests or docs', () => {
    const hits = [hit('test/retry.test.ts', 10), hit('src/retry.ts', 8)];
    expect(applyPathPriors(hits, 'retry tests')).toEqual(hits);
    expect(applyPathPriors(hits, 'changelog for retry')).toEqual(hits);
  });
});
